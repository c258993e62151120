// Template over {{label}}: bulk-load new nodes from the Arrow table bound as `nodes`
// (columns: id, then the label's properties in schema order). First imports only.
COPY {{label}} FROM nodes

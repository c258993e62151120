// Template over {{type}}: bulk-load new relationships from the Arrow table bound as `edges`
// (columns: src id, dst id, then the type's properties); {{pair}} names the endpoint tables
// when the type links several label pairs. First imports only.
COPY {{type}} FROM edges{{pair}}

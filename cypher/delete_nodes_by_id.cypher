// Template over {{label}}: delete the nodes with the given ids (nodes without relationships:
// the audit-only attributes of a changed candidate are replaced, not merged into).
// $ids: list of node ids. Returns nothing.
UNWIND $ids AS id
MATCH (n:{{label}} {id: id})
DELETE n

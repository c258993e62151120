// Template over {{label}}: delete the nodes with the given ids (nodes without relationships
// only; DETACH DELETE is remove_nodes_by_id). Returns nothing.
// $ids: list of node ids.
UNWIND $ids AS id
MATCH (n:{{label}} {id: id})
DELETE n

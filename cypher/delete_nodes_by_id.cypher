// Template over {{label}}: delete the nodes with the given ids (they have no relationships:
// used for SensitiveAttributes of changed candidates, replaced rather than merged).
// $ids: list of node ids. Returns nothing.
UNWIND $ids AS id
MATCH (n:{{label}} {id: id})
DELETE n

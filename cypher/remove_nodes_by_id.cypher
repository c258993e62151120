// Template over {{label}}: remove nodes and every relationship they have (a candidate whose
// updated row describes a minor is removed from the graph).
// $ids: list of node ids. Returns nothing.
UNWIND $ids AS id
MATCH (n:{{label}} {id: id})
DETACH DELETE n

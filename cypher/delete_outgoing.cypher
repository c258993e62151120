// Template over {{label}} and {{type}}: delete the outgoing {{type}} relationships of the
// given nodes, so that a changed row's edges are replaced, not accumulated.
// $ids: list of node ids. Returns nothing.
UNWIND $ids AS id
MATCH (n:{{label}} {id: id})-[r:{{type}}]->()
DELETE r

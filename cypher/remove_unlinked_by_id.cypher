// Template over {{label}}: remove the given nodes that no relationship touches (a skill,
// employer or place created by name from a removed person's row keeps none of their text).
// $ids: list of node ids. Returns nothing.
UNWIND $ids AS id
MATCH (n:{{label}} {id: id})
WHERE NOT EXISTS { MATCH (n)--() }
DELETE n

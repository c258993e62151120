// Upsert (Role)-[:OFFERED_BY]->(Organization) by its endpoints.
// $rows: list of maps {src, dst}; src is the Role id, dst the Organization id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Role {id: row.src})
MATCH (b:Organization {id: row.dst})
MERGE (a)-[r:OFFERED_BY]->(b)

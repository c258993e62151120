// Upsert (Role)-[:OF_OCCUPATION]->(Occupation) by its endpoints.
// $rows: list of maps {src, dst}; src is the Role id, dst the Occupation id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Role {id: row.src})
MATCH (b:Occupation {id: row.dst})
MERGE (a)-[r:OF_OCCUPATION]->(b)

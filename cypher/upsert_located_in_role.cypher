// Upsert (Role)-[:LOCATED_IN]->(Location) by its endpoints.
// $rows: list of maps {src, dst}; src is the Role id, dst the Location id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Role {id: row.src})
MATCH (b:Location {id: row.dst})
MERGE (a)-[r:LOCATED_IN]->(b)

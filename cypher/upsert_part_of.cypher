// Upsert (Location)-[:PART_OF]->(Location) by its endpoints.
// $rows: list of maps {src, dst}; src is the Location id, dst the Location id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Location {id: row.src})
MATCH (b:Location {id: row.dst})
MERGE (a)-[r:PART_OF]->(b)

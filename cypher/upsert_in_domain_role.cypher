// Upsert (Role)-[:IN_DOMAIN]->(Domain) by its endpoints.
// $rows: list of maps {src, dst}; src is the Role id, dst the Domain id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Role {id: row.src})
MATCH (b:Domain {id: row.dst})
MERGE (a)-[r:IN_DOMAIN]->(b)

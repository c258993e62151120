// Upsert (Role)-[:OFFERED_BY]->(Organization) by its endpoints.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst}; src is the Role id, dst the Organization id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Role {id: row.src})
WITH row, a
MATCH (b:Organization {id: row.dst})
MERGE (a)-[r:OFFERED_BY]->(b)
RETURN count(*) AS written

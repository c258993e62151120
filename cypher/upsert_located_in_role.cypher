// Upsert (Role)-[:LOCATED_IN]->(Location) by its endpoints.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst}; src is the Role id, dst the Location id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Role {id: row.src})
WITH row, a
MATCH (b:Location {id: row.dst})
MERGE (a)-[r:LOCATED_IN]->(b)
RETURN count(*) AS written

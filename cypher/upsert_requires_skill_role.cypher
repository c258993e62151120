// Upsert (Role)-[:REQUIRES_SKILL]->(Skill) by its endpoints.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst, importance, required}; src is the Role id, dst the Skill id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Role {id: row.src})
WITH row, a
MATCH (b:Skill {id: row.dst})
MERGE (a)-[r:REQUIRES_SKILL]->(b)
SET r.importance = row.importance,
    r.required = row.required
RETURN count(*) AS written

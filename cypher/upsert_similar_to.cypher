// Upsert (Skill)-[:SIMILAR_TO]->(Skill) by its endpoints.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst, weight}; src is the Skill id, dst the Skill id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Skill {id: row.src})
WITH row, a
MATCH (b:Skill {id: row.dst})
MERGE (a)-[r:SIMILAR_TO]->(b)
SET r.weight = row.weight
RETURN count(*) AS written

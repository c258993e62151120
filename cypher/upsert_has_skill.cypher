// Upsert (Candidate)-[:HAS_SKILL]->(Skill) by its endpoints.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst, level, years}; src is the Candidate id, dst the Skill id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Candidate {id: row.src})
WITH row, a
MATCH (b:Skill {id: row.dst})
MERGE (a)-[r:HAS_SKILL]->(b)
SET r.level = row.level,
    r.years = row.years
RETURN count(*) AS written

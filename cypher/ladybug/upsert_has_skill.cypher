// Upsert (Candidate)-[:HAS_SKILL]->(Skill) (LadybugDB: scans the typed Arrow table bound as
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// `rows`, columns src, dst, level, years).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Candidate {id: src})
MATCH (b:Skill {id: dst})
MERGE (a)-[r:HAS_SKILL]->(b)
SET r.level = level,
    r.years = years
RETURN count(*) AS written

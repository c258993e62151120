// Upsert (Candidate)-[:HAS_SKILL]->(Skill) by its endpoints.
// $rows: list of maps {src, dst, level, years}; src is the Candidate id, dst the Skill id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Candidate {id: row.src})
MATCH (b:Skill {id: row.dst})
MERGE (a)-[r:HAS_SKILL]->(b)
SET r.level = row.level,
    r.years = row.years

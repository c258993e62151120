// Upsert (Occupation)-[:REQUIRES_SKILL]->(Skill) by its endpoints.
// $rows: list of maps {src, dst, importance, required}; src is the Occupation id, dst the Skill id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Occupation {id: row.src})
MATCH (b:Skill {id: row.dst})
MERGE (a)-[r:REQUIRES_SKILL]->(b)
SET r.importance = row.importance,
    r.required = row.required

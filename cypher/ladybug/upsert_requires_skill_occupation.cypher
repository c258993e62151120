// Upsert (Occupation)-[:REQUIRES_SKILL]->(Skill) (LadybugDB: scans the typed Arrow table bound as
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// `rows`, columns src, dst, importance, required).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Occupation {id: src})
MATCH (b:Skill {id: dst})
MERGE (a)-[r:REQUIRES_SKILL]->(b)
SET r.importance = importance,
    r.required = required
RETURN count(*) AS written

// Upsert (Skill)-[:SIMILAR_TO]->(Skill) (LadybugDB: scans the typed Arrow table bound as
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// `rows`, columns src, dst, weight).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Skill {id: src})
MATCH (b:Skill {id: dst})
MERGE (a)-[r:SIMILAR_TO]->(b)
SET r.weight = weight
RETURN count(*) AS written

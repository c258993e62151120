// Upsert (Skill)-[:SIMILAR_TO]->(Skill) by its endpoints.
// $rows: list of maps {src, dst, weight}; src is the Skill id, dst the Skill id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Skill {id: row.src})
MATCH (b:Skill {id: row.dst})
MERGE (a)-[r:SIMILAR_TO]->(b)
SET r.weight = row.weight

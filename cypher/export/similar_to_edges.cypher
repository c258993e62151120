// Every (Skill)-[:SIMILAR_TO]->(Skill) edge in its stored direction, for the PyG export.
// No parameters. Returns src, dst (skill ids), weight.
MATCH (a:Skill)-[r:SIMILAR_TO]->(b:Skill)
RETURN a.id AS src, b.id AS dst, r.weight AS weight

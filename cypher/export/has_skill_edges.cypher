// Every (Candidate)-[:HAS_SKILL]->(Skill) edge with its attributes, for the PyG export.
// No parameters. Returns src (candidate id), dst (skill id), level, years (null if unknown).
MATCH (a:Candidate)-[r:HAS_SKILL]->(b:Skill)
RETURN a.id AS src, b.id AS dst, r.level AS level, r.years AS years

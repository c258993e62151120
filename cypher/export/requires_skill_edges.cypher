// Template over {{label}} (Role or Occupation, from the GraphSchema): every
// ({{label}})-[:REQUIRES_SKILL]->(Skill) edge with its attributes, for the PyG export.
// No parameters. Returns src, dst (skill id), importance (null if unknown), required.
MATCH (a:{{label}})-[r:REQUIRES_SKILL]->(b:Skill)
RETURN a.id AS src, b.id AS dst, r.importance AS importance, r.required AS required

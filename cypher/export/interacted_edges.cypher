// Every (Candidate)-[:INTERACTED]->(Role) edge with its funnel stage, for the PyG export.
// No parameters. Returns src (candidate id), dst (role id), type (APPLIED, ..., WITHDREW).
MATCH (a:Candidate)-[r:INTERACTED]->(b:Role)
RETURN a.id AS src, b.id AS dst, r.type AS type

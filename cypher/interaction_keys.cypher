// Every interaction's identity and timestamp, so a re-import skips those already stored.
// No parameters. Returns candidate, role, type, at.
MATCH (c:Candidate)-[r:INTERACTED]->(ro:Role)
RETURN c.id AS candidate, ro.id AS role, r.type AS type, r.at AS at

// Every (Candidate)-[:WORKED_AT]->(Organization) edge with its dates, for the PyG export.
// No parameters. Returns src (candidate id), dst (organization id), start_date, end_date
// ("YYYY-MM" strings; end_date null for a current job).
MATCH (a:Candidate)-[r:WORKED_AT]->(b:Organization)
RETURN a.id AS src, b.id AS dst, r.start_date AS start_date, r.end_date AS end_date

// Template over {{label}}: id and row_hash of every node of a label with change detection
// (Candidate, Role). No parameters. Returns id, row_hash.
MATCH (n:{{label}})
RETURN n.id AS id, n.row_hash AS row_hash

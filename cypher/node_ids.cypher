// Template over {{label}} (filled from the GraphSchema): every id of that label.
// No parameters. Returns id.
MATCH (n:{{label}})
RETURN n.id AS id

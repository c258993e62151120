// Template over {{label}}: id and name of every node of a label, to resolve references by
// name during an import. No parameters. Returns id, name.
MATCH (n:{{label}})
RETURN n.id AS id, n.name AS name

// Template over {{label}} (LadybugDB only): every node of the label with every property,
// to copy the graph into a fresh database file. No parameters. Returns n.id, then n.<property>
// for each property of the table.
MATCH (n:{{label}})
RETURN n.*

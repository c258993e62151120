// Template over {{label}} and {{type}} (LadybugDB only): every {{type}} relationship from a
// {{label}} node with every property, to copy the graph into a fresh database file.
// No parameters. Returns src, dst (the endpoint ids), then r.<property> for each property.
MATCH (a:{{label}})-[r:{{type}}]->(b)
RETURN a.id AS src, b.id AS dst, r.*

// Template over {{label}}: delete every node of that label (relationships first).
// No parameters.
MATCH (n:{{label}})
DELETE n

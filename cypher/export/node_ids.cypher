// Template over {{label}} (a feature label from the GraphSchema): every node id of that label,
// for labels the PyG export gives only a constant feature. No parameters. Returns id.
MATCH (n:{{label}})
RETURN n.id AS id

// Template over {{label}} (source label) and {{type}} (relationship type), both from the
// GraphSchema: the endpoints of every {{type}} edge leaving a {{label}} node, for edge
// types that carry no exported attribute. The target is unlabelled: in the GraphSchema
// each (source, type) pair has exactly one target label (the export checks this).
// No parameters. Returns src, dst (node ids).
MATCH (a:{{label}})-[:{{type}}]->(b)
RETURN a.id AS src, b.id AS dst

// MIGRATION ONLY: whether nodes of the old audit-only label SensitiveAttributes exist (named
// as a string, so that a database that never had the label gets no unknown-label warning).
// No parameters. Returns n (0 or 1).
CALL db.labels() YIELD label
WITH label
WHERE label = "SensitiveAttributes"
RETURN count(label) AS n

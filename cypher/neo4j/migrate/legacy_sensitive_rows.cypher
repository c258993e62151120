// MIGRATION ONLY (stores of talentgraph before the sensitive store): one batch of nodes of
// the old audit-only label SensitiveAttributes, to move into the sensitive store before they
// are deleted. Returns row (the node's properties: id, gender, age_band, ethnicity,
// disability, nationality).
// $limit: nodes per batch, e.g. 10000
MATCH (n:SensitiveAttributes)
WITH n
LIMIT $limit
RETURN properties(n) AS row

// MIGRATION ONLY (stores of talentgraph before the sensitive store): every row of the old
// audit-only table SensitiveAttributes, to move into the sensitive store before the table is
// dropped. No parameters. Returns n.id, n.gender, n.age_band, n.ethnicity, n.disability,
// n.nationality (whatever columns the old table has).
MATCH (n:SensitiveAttributes)
RETURN n.*

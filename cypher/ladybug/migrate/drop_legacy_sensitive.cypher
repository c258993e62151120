// MIGRATION ONLY: drop the old audit-only table SensitiveAttributes, once its rows are in the
// sensitive store (the database is then rewritten, since a dropped table's pages keep their
// bytes). No parameters. Returns nothing.
DROP TABLE SensitiveAttributes

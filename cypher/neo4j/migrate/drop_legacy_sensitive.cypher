// MIGRATION ONLY: drop the uniqueness constraint of the old label SensitiveAttributes, once
// no node has the label. No parameters. Returns nothing.
DROP CONSTRAINT sensitiveattributes_id_unique IF EXISTS

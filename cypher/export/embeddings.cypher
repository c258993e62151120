// Template over {{label}}: the stored embeddings of a label (nodes without one are left out).
// No parameters. Returns id, embedding, embedding_version.
MATCH (n:{{label}})
WHERE n.embedding IS NOT NULL
RETURN n.id AS id, n.embedding AS embedding, n.embedding_version AS embedding_version

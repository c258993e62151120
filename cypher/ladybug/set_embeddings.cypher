// Template over {{label}}: write embeddings back as node properties (LadybugDB: scans the
// typed Arrow table bound as `rows`, columns id, embedding, embedding_version).
// Returns nothing.
LOAD FROM rows
MATCH (n:{{label}} {id: id})
SET n.embedding = embedding,
    n.embedding_version = embedding_version

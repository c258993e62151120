// Template over {{label}}: write embeddings back as node properties.
// $rows: list of maps {id, embedding, embedding_version}. Returns nothing.
UNWIND $rows AS row
MATCH (n:{{label}} {id: row.id})
SET n.embedding = row.embedding,
    n.embedding_version = row.embedding_version

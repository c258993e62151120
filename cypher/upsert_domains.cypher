// Upsert Domain nodes by id; updates every imported property in place (derived ones, such as embeddings, are left alone).
// $rows: list of maps {id, name}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Domain {id: row.id})
SET n.name = row.name

// Upsert Role nodes by id; updates every imported property in place (derived ones, such as embeddings, are left alone).
// $rows: list of maps {id, title, description, capacity, remote, row_hash}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Role {id: row.id})
SET n.title = row.title,
    n.description = row.description,
    n.capacity = row.capacity,
    n.remote = row.remote,
    n.row_hash = row.row_hash

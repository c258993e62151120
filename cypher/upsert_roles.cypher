// Upsert Role nodes by id; updates every property in place.
// $rows: list of maps {id, title, description, capacity, remote, row_hash}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Role {id: row.id})
SET n.title = row.title,
    n.description = row.description,
    n.capacity = row.capacity,
    n.remote = row.remote,
    n.row_hash = row.row_hash

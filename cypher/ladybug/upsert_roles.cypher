// Upsert Role nodes by id (LadybugDB: scans the typed Arrow table bound as `rows`,
// columns id, title, description, capacity, remote, row_hash). Returns nothing.
LOAD FROM rows
MERGE (n:Role {id: id})
SET n.title = title,
    n.description = description,
    n.capacity = capacity,
    n.remote = remote,
    n.row_hash = row_hash

// Upsert Location nodes by id (LadybugDB: scans the typed Arrow table bound as `rows`,
// columns id, name, kind). Returns nothing.
LOAD FROM rows
MERGE (n:Location {id: id})
SET n.name = name,
    n.kind = kind

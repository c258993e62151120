// Upsert Domain nodes by id (LadybugDB: scans the typed Arrow table bound as `rows`,
// columns id, name). Returns nothing.
LOAD FROM rows
MERGE (n:Domain {id: id})
SET n.name = name

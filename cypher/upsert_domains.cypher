// Upsert Domain nodes by id; updates every property in place.
// $rows: list of maps {id, name}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Domain {id: row.id})
SET n.name = row.name

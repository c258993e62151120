// Upsert Organization nodes by id; updates every property in place.
// $rows: list of maps {id, name}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Organization {id: row.id})
SET n.name = row.name

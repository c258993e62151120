// Upsert Location nodes by id; updates every property in place.
// $rows: list of maps {id, name, kind}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Location {id: row.id})
SET n.name = row.name,
    n.kind = row.kind

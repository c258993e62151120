// Upsert Location nodes by id; updates every imported property in place (derived ones, such as embeddings, are left alone).
// $rows: list of maps {id, name, kind}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Location {id: row.id})
SET n.name = row.name,
    n.kind = row.kind

// Upsert Occupation nodes by id; updates every imported property in place (derived ones, such as embeddings, are left alone).
// $rows: list of maps {id, name, aliases, description, isco_group, esco_uri}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Occupation {id: row.id})
SET n.name = row.name,
    n.aliases = row.aliases,
    n.description = row.description,
    n.isco_group = row.isco_group,
    n.esco_uri = row.esco_uri

// Upsert Skill nodes by id; updates every imported property in place (derived ones, such as embeddings, are left alone).
// $rows: list of maps {id, name, aliases, description, skill_type, esco_uri}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Skill {id: row.id})
SET n.name = row.name,
    n.aliases = row.aliases,
    n.description = row.description,
    n.skill_type = row.skill_type,
    n.esco_uri = row.esco_uri

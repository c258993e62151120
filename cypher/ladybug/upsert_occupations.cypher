// Upsert Occupation nodes by id (LadybugDB: scans the typed Arrow table bound as `rows`,
// columns id, name, aliases, description, isco_group, esco_uri). Returns nothing.
LOAD FROM rows
MERGE (n:Occupation {id: id})
SET n.name = name,
    n.aliases = aliases,
    n.description = description,
    n.isco_group = isco_group,
    n.esco_uri = esco_uri

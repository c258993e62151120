// Upsert Skill nodes by id (LadybugDB: scans the typed Arrow table bound as `rows`,
// columns id, name, aliases, description, skill_type, esco_uri). Returns nothing.
LOAD FROM rows
MERGE (n:Skill {id: id})
SET n.name = name,
    n.aliases = aliases,
    n.description = description,
    n.skill_type = skill_type,
    n.esco_uri = esco_uri

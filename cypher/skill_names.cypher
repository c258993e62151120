// Every skill's id, name and aliases, to resolve skills named by text during an import.
// No parameters. Returns id, name, aliases.
MATCH (s:Skill)
RETURN s.id AS id, s.name AS name, s.aliases AS aliases

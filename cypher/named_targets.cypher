// Template over {{type}} and {{label}}: the {{label}} nodes the given candidates link to by
// {{type}} that an import created by name (id = name: a reference that matched nothing,
// loaders.resolve), so that removing the candidates can remove those left unlinked.
// $ids: list of candidate ids. Returns id.
UNWIND $ids AS id
MATCH (:Candidate {id: id})-[:{{type}}]->(n:{{label}})
WHERE n.id = n.name
RETURN DISTINCT n.id AS id

// The domains the given candidates' jobs name (WORKED_AT.domain) that an import created by
// name (id = name, loaders.resolve), so that removing the candidates can remove those no
// one else names.
// $ids: list of candidate ids. Returns id.
UNWIND $ids AS id
MATCH (:Candidate {id: id})-[w:WORKED_AT]->()
MATCH (d:Domain {id: w.domain})
WHERE d.id = d.name
RETURN DISTINCT d.id AS id

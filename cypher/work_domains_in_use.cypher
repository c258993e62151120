// Which of the given domain ids a job still names (WORKED_AT.domain is a property, not a
// relationship: such a domain has no relationship and is still in use).
// $ids: list of domain ids. Returns id.
MATCH ()-[w:WORKED_AT]->()
WHERE w.domain IN $ids
RETURN DISTINCT w.domain AS id

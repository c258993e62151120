// The domains each candidate says they want to work in (ids or names, as imported).
// No parameters. Returns id, preferred_domains.
MATCH (c:Candidate)
RETURN c.id AS id, c.preferred_domains AS preferred_domains

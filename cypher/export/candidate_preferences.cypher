// The locations each candidate says they would work in (ids or names, as imported).
// No parameters. Returns id, preferred_locations.
MATCH (c:Candidate)
RETURN c.id AS id, c.preferred_locations AS preferred_locations

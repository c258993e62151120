// The free text of every candidate (what text models read). No parameters.
// Returns id, headline, summary.
MATCH (c:Candidate)
RETURN c.id AS id, c.headline AS headline, c.summary AS summary

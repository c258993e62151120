// The free text of every role (what text models read). No parameters.
// Returns id, title, description.
MATCH (r:Role)
RETURN r.id AS id, r.title AS title, r.description AS description

// Skill paths between a candidate and a role: how each of the candidate's skills reaches a
// skill the role asks for, directly or through one or two SIMILAR_TO hops (either direction).
// Returns one row per path, best first: skills (skill ids from the candidate's skill to the
// role's skill), hops (SIMILAR_TO edges on the path), level (HAS_SKILL), similarity (product
// of the SIMILAR_TO weights, 1.0 for a direct match), importance and required (REQUIRES_SKILL),
// strength = level x similarity x importance (a missing level or importance counts as 1).
// Paths that return to the skill they started from are left out.
// $candidate_id: the candidate's id; e.g. "c6"
// $role_id: the role's id; e.g. "r2"
// $limit: the most paths to return; e.g. 20; default 20
// LadybugDB: a variable-length relationship is a value; nodes(e) holds only the inner nodes,
// properties(..., 'weight') lists the weights and list_product multiplies them (1.0 if empty).
MATCH (c:Candidate {id: $candidate_id})-[h:HAS_SKILL]->(s:Skill)-[e:SIMILAR_TO*0..2]-(t:Skill)<-[q:REQUIRES_SKILL]-(r:Role {id: $role_id})
WHERE length(e) = 0 OR s <> t
WITH h, q, length(e) AS hops,
     CASE WHEN length(e) = 0 THEN [s.id] ELSE [s.id] + properties(nodes(e), 'id') + [t.id] END AS skills,
     list_product(properties(rels(e), 'weight')) AS similarity
RETURN skills, hops, h.level AS level, similarity, q.importance AS importance,
       q.required AS required,
       coalesce(h.level, 1.0) * similarity * coalesce(q.importance, 1.0) AS strength
ORDER BY strength DESC, hops, list_to_string(' ', skills)
LIMIT $limit

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
// Neo4j: p runs Candidate, skills..., Role; its first and last relationships are HAS_SKILL
// and REQUIRES_SKILL, the ones between are SIMILAR_TO.
MATCH p = (c:Candidate {id: $candidate_id})-[h:HAS_SKILL]->(s:Skill)-[:SIMILAR_TO*0..2]-(t:Skill)<-[q:REQUIRES_SKILL]-(r:Role {id: $role_id})
WHERE length(p) = 2 OR s <> t
WITH h, q, relationships(p)[1..-1] AS similar, [n IN nodes(p)[1..-1] | n.id] AS skills
WITH h, q, skills, size(similar) AS hops,
     reduce(w = 1.0, rel IN similar | w * rel.weight) AS similarity
RETURN skills, hops, h.level AS level, similarity, q.importance AS importance,
       q.required AS required,
       coalesce(h.level, 1.0) * similarity * coalesce(q.importance, 1.0) AS strength
ORDER BY strength DESC, hops, skills
LIMIT $limit

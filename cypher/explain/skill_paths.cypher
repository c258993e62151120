// Skill paths from a candidate to a role: a skill the candidate holds that the role lists
// (kind "held_skill": Candidate-HAS_SKILL->Skill<-REQUIRES_SKILL-Role), and a held skill
// SIMILAR_TO a listed one, either direction (kind "similar_skill":
// Candidate-HAS_SKILL->Skill-SIMILAR_TO-Skill<-REQUIRES_SKILL-Role; two skills similar in
// both stored directions give two rows, one per edge).
// Returns one row per path, in no particular order: kind; labels, ids and names of the nodes
// along the path (a candidate's name is its id, a role's its title); types and weights of its
// relationships (HAS_SKILL level, SIMILAR_TO weight, REQUIRES_SKILL importance; a missing
// level or importance counts as 1); strength = the product of the weights; required (the
// role's skill is required, not optional).
// $candidate_id: the candidate's id; e.g. "c6"
// $role_id: the role's id; e.g. "r2"
MATCH (c:Candidate {id: $candidate_id})-[h:HAS_SKILL]->(s:Skill)<-[q:REQUIRES_SKILL]-(r:Role {id: $role_id})
RETURN 'held_skill' AS kind, ['Candidate', 'Skill', 'Role'] AS labels,
       [c.id, s.id, r.id] AS ids, [c.id, coalesce(s.name, s.id), coalesce(r.title, r.id)] AS names,
       ['HAS_SKILL', 'REQUIRES_SKILL'] AS types,
       [coalesce(h.level, 1.0), coalesce(q.importance, 1.0)] AS weights,
       coalesce(h.level, 1.0) * coalesce(q.importance, 1.0) AS strength, q.required AS required
UNION ALL
MATCH (c:Candidate {id: $candidate_id})-[h:HAS_SKILL]->(s:Skill)-[e:SIMILAR_TO]-(t:Skill)<-[q:REQUIRES_SKILL]-(r:Role {id: $role_id})
WHERE s <> t
RETURN 'similar_skill' AS kind, ['Candidate', 'Skill', 'Skill', 'Role'] AS labels,
       [c.id, s.id, t.id, r.id] AS ids,
       [c.id, coalesce(s.name, s.id), coalesce(t.name, t.id), coalesce(r.title, r.id)] AS names,
       ['HAS_SKILL', 'SIMILAR_TO', 'REQUIRES_SKILL'] AS types,
       [coalesce(h.level, 1.0), e.weight, coalesce(q.importance, 1.0)] AS weights,
       coalesce(h.level, 1.0) * e.weight * coalesce(q.importance, 1.0) AS strength,
       q.required AS required

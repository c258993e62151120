// The skills closest to a role: the skills it lists (required or optional) and the skills
// SIMILAR_TO them (one hop, either direction), scored importance x similarity (similarity
// 1.0 for a listed skill itself; a missing importance counts as 1).
// Returns one row per skill, best first: skill_id, skill (its name), score (the best over
// every listed skill it is reached from), via (the listed skill that gives that score; the
// smallest id on ties) and relation ("required" or "optional" when the role lists the skill,
// else "similar"); ties in score by skill_id.
// $role_id: the role's id; e.g. "r2"
// $limit: the most skills to return; e.g. 10; default 10
MATCH (r:Role {id: $role_id})-[q:REQUIRES_SKILL]->(t:Skill)-[:SIMILAR_TO*0..1]-(s:Skill)
OPTIONAL MATCH (t)-[e:SIMILAR_TO]-(s)
WITH s, t, q, coalesce(q.importance, 1.0) * CASE WHEN s = t THEN 1.0 ELSE e.weight END AS score
WITH s, max(score) AS best, collect({via: t.id, score: score}) AS routes,
     max(CASE WHEN s <> t THEN 0 WHEN q.required THEN 2 ELSE 1 END) AS listed
UNWIND routes AS route
WITH s, best, listed, route
WHERE route.score = best
WITH s, best, listed, min(route.via) AS via
RETURN s.id AS skill_id, s.name AS skill, best AS score, via,
       CASE listed WHEN 2 THEN 'required' WHEN 1 THEN 'optional' ELSE 'similar' END AS relation
ORDER BY score DESC, skill_id
LIMIT $limit

// Candidates near a skill set: candidates within two hops of each requested skill, that is
// who has the skill, or has a skill SIMILAR_TO it (either direction).
// Returns one row per candidate: candidate_id, headline, covered (how many of the requested
// skills they reach), best_strength (their strongest match: level for the skill itself,
// level x weight through a similar skill; a missing level counts as 1) and skills (the
// requested skill ids they reach, in no particular order); ordered by covered, then
// best_strength (both descending), then candidate_id.
// Unknown and repeated skill ids in $skills are ignored.
// $skills: the requested skill ids; e.g. ["data_analysis", "python"]
// $limit: the most candidates to return; e.g. 10; default 10
// The skills near the requested ones are found (and weighted) before expanding to candidates:
// starting from HAS_SKILL would scan it whole.
MATCH (t:Skill)-[:SIMILAR_TO*0..1]-(s:Skill)
WHERE t.id IN $skills
OPTIONAL MATCH (t)-[e:SIMILAR_TO]-(s)
WITH t, s, max(CASE WHEN s = t THEN 1.0 ELSE e.weight END) AS weight
MATCH (s)<-[h:HAS_SKILL]-(c:Candidate)
WITH t, c, max(coalesce(h.level, 1.0) * weight) AS strength
WITH c, count(t) AS covered, max(strength) AS best_strength, collect(t.id) AS skills
RETURN c.id AS candidate_id, c.headline AS headline, covered, best_strength, skills
ORDER BY covered DESC, best_strength DESC, candidate_id
LIMIT $limit

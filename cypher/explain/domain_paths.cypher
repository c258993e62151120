// Employer paths from a candidate to a role: an organization the candidate worked at that is
// in the role's domain (Candidate-WORKED_AT->Organization-IN_DOMAIN->Domain<-IN_DOMAIN-Role).
// Returns one row per (organization, domain), in no particular order, in the row shape of
// explain/skill_paths: kind ("past_employer_domain"), labels, ids, names, types,
// weights and strength. None of these relationships carries a weight: each counts 1, so
// strength = 1.0 (the product of the weights).
// $candidate_id: the candidate's id; e.g. "c6"
// $role_id: the role's id; e.g. "r2"
MATCH (c:Candidate {id: $candidate_id})-[:WORKED_AT]->(o:Organization)-[:IN_DOMAIN]->(d:Domain)<-[:IN_DOMAIN]-(r:Role {id: $role_id})
WITH DISTINCT c, o, d, r
RETURN 'past_employer_domain' AS kind, ['Candidate', 'Organization', 'Domain', 'Role'] AS labels,
       [c.id, o.id, d.id, r.id] AS ids,
       [c.id, coalesce(o.name, o.id), coalesce(d.name, d.id), coalesce(r.title, r.id)] AS names,
       ['WORKED_AT', 'IN_DOMAIN', 'IN_DOMAIN'] AS types,
       [1.0, 1.0, 1.0] AS weights, 1.0 AS strength

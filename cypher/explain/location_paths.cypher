// Location paths from a candidate to a role: the same place (kind "same_location":
// Candidate-LOCATED_IN->Location<-LOCATED_IN-Role), or two places of one country or region
// (kind "same_country": Candidate-LOCATED_IN->Location-PART_OF->Location<-PART_OF-Location
// <-LOCATED_IN-Role).
// Returns one row per path, in no particular order, in the row shape of explain/skill_paths:
// kind, labels, ids, names, types, weights and strength. None of these relationships
// carries a weight: each counts 1, so strength = 1.0 (the product of the weights).
// $candidate_id: the candidate's id; e.g. "c6"
// $role_id: the role's id; e.g. "r2"
MATCH (c:Candidate {id: $candidate_id})-[:LOCATED_IN]->(l:Location)<-[:LOCATED_IN]-(r:Role {id: $role_id})
RETURN 'same_location' AS kind, ['Candidate', 'Location', 'Role'] AS labels,
       [c.id, l.id, r.id] AS ids, [c.id, coalesce(l.name, l.id), coalesce(r.title, r.id)] AS names,
       ['LOCATED_IN', 'LOCATED_IN'] AS types,
       [1.0, 1.0] AS weights, 1.0 AS strength
UNION ALL
MATCH (c:Candidate {id: $candidate_id})-[:LOCATED_IN]->(a:Location)-[:PART_OF]->(k:Location)<-[:PART_OF]-(b:Location)<-[:LOCATED_IN]-(r:Role {id: $role_id})
WHERE a <> b
RETURN 'same_country' AS kind, ['Candidate', 'Location', 'Location', 'Location', 'Role'] AS labels,
       [c.id, a.id, k.id, b.id, r.id] AS ids,
       [c.id, coalesce(a.name, a.id), coalesce(k.name, k.id), coalesce(b.name, b.id), coalesce(r.title, r.id)] AS names,
       ['LOCATED_IN', 'PART_OF', 'PART_OF', 'LOCATED_IN'] AS types,
       [1.0, 1.0, 1.0, 1.0] AS weights, 1.0 AS strength

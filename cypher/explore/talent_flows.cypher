// Talent flows between organizations: how many candidates worked at one organization and
// later (a WORKED_AT with a later start_date) at another. A candidate with jobs at A, B, C in
// that order counts once in each of A->B, A->C and B->C, however many jobs it held at each;
// two jobs at the same organization are not a flow.
// Returns one row per flow, largest first: from_org, from_name, to_org, to_name, candidates;
// ties by from_org, then to_org.
// $limit: the most flows to return; e.g. 10; default 10
// $min_count: the fewest candidates a flow needs, null for none; e.g. 2; default null
MATCH (a:Organization)<-[w1:WORKED_AT]-(c:Candidate)-[w2:WORKED_AT]->(b:Organization)
WHERE w1.start_date < w2.start_date AND a <> b
WITH a, b, count(DISTINCT c) AS candidates
WHERE candidates >= coalesce($min_count, 1)
RETURN a.id AS from_org, a.name AS from_name, b.id AS to_org, b.name AS to_name, candidates
ORDER BY candidates DESC, from_org, to_org
LIMIT $limit

// Upsert (Candidate)-[:WORKED_AT]->(Organization) (LadybugDB: scans the typed Arrow table bound as
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// `rows`, columns src, dst, title, domain, start_date, end_date).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Candidate {id: src})
MATCH (b:Organization {id: dst})
MERGE (a)-[r:WORKED_AT {start_date: start_date}]->(b)
SET r.title = title,
    r.domain = domain,
    r.end_date = end_date
RETURN count(*) AS written

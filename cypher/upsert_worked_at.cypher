// Upsert (Candidate)-[:WORKED_AT]->(Organization) by its endpoints and start_date.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst, title, domain, start_date, end_date}; src is the Candidate id, dst the Organization id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Candidate {id: row.src})
WITH row, a
MATCH (b:Organization {id: row.dst})
MERGE (a)-[r:WORKED_AT {start_date: row.start_date}]->(b)
SET r.title = row.title,
    r.domain = row.domain,
    r.end_date = row.end_date
RETURN count(*) AS written

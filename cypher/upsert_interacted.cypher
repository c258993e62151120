// Upsert (Candidate)-[:INTERACTED]->(Role) by its endpoints and type.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst, type, actor, at}; src is the Candidate id, dst the Role id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Candidate {id: row.src})
WITH row, a
MATCH (b:Role {id: row.dst})
MERGE (a)-[r:INTERACTED {type: row.type}]->(b)
SET r.actor = row.actor,
    r.at = row.at
RETURN count(*) AS written

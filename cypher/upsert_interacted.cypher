// Upsert (Candidate)-[:INTERACTED]->(Role) by its endpoints and type.
// $rows: list of maps {src, dst, type, actor, at}; src is the Candidate id, dst the Role id.
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
UNWIND $rows AS row
MATCH (a:Candidate {id: row.src})
MATCH (b:Role {id: row.dst})
MERGE (a)-[r:INTERACTED {type: row.type}]->(b)
SET r.actor = row.actor,
    r.at = row.at

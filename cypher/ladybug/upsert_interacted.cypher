// Upsert (Candidate)-[:INTERACTED]->(Role) (LadybugDB: scans the typed Arrow table bound as
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// `rows`, columns src, dst, type, actor, at).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Candidate {id: src})
MATCH (b:Role {id: dst})
MERGE (a)-[r:INTERACTED {type: type}]->(b)
SET r.actor = actor,
    r.at = at
RETURN count(*) AS written

// Upsert (Role)-[:LOCATED_IN]->(Location) (LadybugDB: scans the typed Arrow table bound as
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// `rows`, columns src, dst).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Role {id: src})
MATCH (b:Location {id: dst})
MERGE (a)-[r:LOCATED_IN]->(b)
RETURN count(*) AS written

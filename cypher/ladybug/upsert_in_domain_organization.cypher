// Upsert (Organization)-[:IN_DOMAIN]->(Domain) (LadybugDB: scans the typed Arrow table bound as
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// `rows`, columns src, dst).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Organization {id: src})
MATCH (b:Domain {id: dst})
MERGE (a)-[r:IN_DOMAIN]->(b)
RETURN count(*) AS written

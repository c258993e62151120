// Upsert (Skill)-[:IN_DOMAIN]->(Domain) by its endpoints.
// Returns written: the edges merged (a row whose endpoint is missing writes nothing).
// $rows: list of maps {src, dst}; src is the Skill id, dst the Domain id.
// Two MATCH clauses split by WITH, not one comma pattern: each endpoint is one
// index seek per row, never a cross product of the two lookups.
UNWIND $rows AS row
MATCH (a:Skill {id: row.src})
WITH row, a
MATCH (b:Domain {id: row.dst})
MERGE (a)-[r:IN_DOMAIN]->(b)
RETURN count(*) AS written

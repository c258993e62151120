// Upsert (Role)-[:OF_OCCUPATION]->(Occupation) (LadybugDB: scans the typed Arrow table bound as
// `rows`, columns src, dst).
// Two MATCH clauses, not one comma pattern: a comma pattern plans a cross product.
LOAD FROM rows
MATCH (a:Role {id: src})
MATCH (b:Occupation {id: dst})
MERGE (a)-[r:OF_OCCUPATION]->(b)

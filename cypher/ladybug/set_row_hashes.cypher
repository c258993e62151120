// Template over {{label}}: commit the row digests of imported rows, after everything each
// row owns is stored (LadybugDB: scans the Arrow table bound as `rows`, columns id,
// row_hash). Returns written.
LOAD FROM rows
MATCH (n:{{label}} {id: id})
SET n.row_hash = row_hash
RETURN count(*) AS written

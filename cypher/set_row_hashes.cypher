// Template over {{label}}: commit the row digests of imported rows, after everything each
// row owns is stored (a re-run after a crash rewrites any row whose digest is missing).
// $rows: list of maps {id, row_hash}. Returns written.
UNWIND $rows AS row
MATCH (n:{{label}} {id: row.id})
SET n.row_hash = row.row_hash
RETURN count(*) AS written

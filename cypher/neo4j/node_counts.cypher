// Number of nodes per label. No parameters. Returns label, count.
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS count

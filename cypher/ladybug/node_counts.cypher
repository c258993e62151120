// Number of nodes per label. No parameters. Returns label, count.
MATCH (n)
RETURN label(n) AS label, count(*) AS count

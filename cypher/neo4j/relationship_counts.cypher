// Number of relationships per type. No parameters. Returns type, count.
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count

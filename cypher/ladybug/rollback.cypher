// LadybugDB only: end the connection's open transaction (the read-only one of
// begin_read_only.cypher), keeping nothing. No parameters.
ROLLBACK

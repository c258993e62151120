// LadybugDB only: open a read-only transaction on the connection, so that the database itself
// refuses any write the next statement attempts. Closed by rollback.cypher. No parameters.
BEGIN TRANSACTION READ ONLY

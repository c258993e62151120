// Delete every node with its relationships (tests and benchmarks only), committing every
// 10000 nodes so that a large graph never needs one huge transaction. Runs in an implicit
// transaction (Neo4jStore sends CALL ... IN TRANSACTIONS through Session.run).
// CALL (n) { } is the variable scope clause of Neo4j 5.23+ (CALL { WITH n } is deprecated).
// No parameters. Returns nothing.
MATCH (n)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS

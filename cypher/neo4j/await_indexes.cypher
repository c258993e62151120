// Wait (up to 300 s) until every index is online, so that queries right after
// ensure_schema are planned on the new indexes. No parameters. Returns nothing.
CALL db.awaitIndexes(300)

// MIGRATION ONLY: delete the old SensitiveAttributes nodes with the given ids, once their
// rows are in the sensitive store. Returns nothing.
// $ids: list of candidate ids, e.g. ["c1", "c2"]
UNWIND $ids AS id
MATCH (n:SensitiveAttributes {id: id})
DETACH DELETE n

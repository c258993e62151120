// AUDIT ONLY. Upsert SensitiveAttributes nodes by id; updates every imported property in place (derived ones, such as embeddings, are left alone).
// $rows: list of maps {id, gender, age_band, ethnicity, disability, nationality}. Returns nothing.
UNWIND $rows AS row
MERGE (n:SensitiveAttributes {id: row.id})
SET n.gender = row.gender,
    n.age_band = row.age_band,
    n.ethnicity = row.ethnicity,
    n.disability = row.disability,
    n.nationality = row.nationality

// AUDIT ONLY. Upsert SensitiveAttributes nodes by id (LadybugDB: scans the typed Arrow table bound as `rows`,
// columns id, gender, age_band, ethnicity, disability, nationality). Returns nothing.
LOAD FROM rows
MERGE (n:SensitiveAttributes {id: id})
SET n.gender = gender,
    n.age_band = age_band,
    n.ethnicity = ethnicity,
    n.disability = disability,
    n.nationality = nationality

// AUDIT ONLY: the sensitive attributes of every candidate, for fairness audits.
// Read through GraphStore.read_sensitive(purpose=...), never by the feature path.
// No parameters. Returns id (the candidate id), gender, age_band, ethnicity, disability,
// nationality.
MATCH (s:SensitiveAttributes)
RETURN s.id AS id, s.gender AS gender, s.age_band AS age_band, s.ethnicity AS ethnicity,
       s.disability AS disability, s.nationality AS nationality

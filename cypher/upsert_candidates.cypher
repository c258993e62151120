// Upsert Candidate nodes by id; updates every imported property in place (derived ones, such as embeddings, are left alone).
// $rows: list of maps {id, headline, summary, reliability, attendance, engagement, churn_risk, experience_years, remote_ok, preferred_locations, preferred_domains, row_hash}. Returns nothing.
UNWIND $rows AS row
MERGE (n:Candidate {id: row.id})
SET n.headline = row.headline,
    n.summary = row.summary,
    n.reliability = row.reliability,
    n.attendance = row.attendance,
    n.engagement = row.engagement,
    n.churn_risk = row.churn_risk,
    n.experience_years = row.experience_years,
    n.remote_ok = row.remote_ok,
    n.preferred_locations = row.preferred_locations,
    n.preferred_domains = row.preferred_domains,
    n.row_hash = row.row_hash

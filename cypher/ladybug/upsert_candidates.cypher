// Upsert Candidate nodes by id (LadybugDB: scans the typed Arrow table bound as `rows`,
// columns id, headline, summary, reliability, attendance, engagement, churn_risk, experience_years, remote_ok, preferred_locations, preferred_domains, row_hash). Returns nothing.
LOAD FROM rows
MERGE (n:Candidate {id: id})
SET n.headline = headline,
    n.summary = summary,
    n.reliability = reliability,
    n.attendance = attendance,
    n.engagement = engagement,
    n.churn_risk = churn_risk,
    n.experience_years = experience_years,
    n.remote_ok = remote_ok,
    n.preferred_locations = preferred_locations,
    n.preferred_domains = preferred_domains,
    n.row_hash = row_hash

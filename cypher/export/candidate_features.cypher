// Numeric attributes of every Candidate, for the PyG export (null where unknown).
// No parameters. Returns id, reliability, attendance, engagement, churn_risk,
// experience_years, remote_ok.
MATCH (n:Candidate)
RETURN n.id AS id,
       n.reliability AS reliability,
       n.attendance AS attendance,
       n.engagement AS engagement,
       n.churn_risk AS churn_risk,
       n.experience_years AS experience_years,
       n.remote_ok AS remote_ok

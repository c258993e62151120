"""Explanations: short reasons for recruiters (``reasons``), and ``eng.explain``: exact
TreeSHAP of the merit scorer (``attributions``) in recruiter language (``phrases``), graph
paths read by ``cypher/explain`` queries (``paths``), the four levels (``levels``), edited
profiles for counterfactuals (``profile``), fidelity and stability (``quality``) and the
CLI output (``render``)."""

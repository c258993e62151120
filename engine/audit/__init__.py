"""Bias audits (``run.audit``): the rows of a source (``sources``: recommendations, history,
decisions), the LL144 tables and metrics beside them (``tables``), and their HTML page
(``html``). The sensitive groups come from ``engine.fairness.groups``, the one reader."""

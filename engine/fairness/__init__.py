"""Fairness assessment of rankings and selections, per group and per intersection.

``metrics`` holds small named metrics (selection rate at k, impact ratio, demographic parity
difference, equal opportunity difference, exposure) on one group-metrics core, in the manner
of fairlearn's ``MetricFrame``. They assess and help mitigate disparities; they do not certify
a ranking as fair.
"""

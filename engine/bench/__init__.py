"""Benchmarks behind ``talentgraph bench`` (results go to BENCHMARKS.md by hand).

One module a command: ``imports`` (first import, re-import, increment), ``recommend``
(fast path against exact scoring), ``explain`` (latency and quality of explanations),
``allocate`` (against the exact optimum) and ``encode`` (text-encoding precisions); ``store``
keeps the trained store the last three share, ``facts`` what every run records beside its
measures (the machine, peak memory, percentiles).
"""

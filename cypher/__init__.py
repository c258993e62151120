"""Every Cypher query of talentgraph, one ``.cypher`` file per query, loaded by name.

Shared files sit here; where the dialects differ, ``neo4j/<name>.cypher`` and
``ladybug/<name>.cypher`` take precedence. ``explore/`` holds the recruiter and analyst
queries. The loader is ``loaders.stores.cypher``.
"""

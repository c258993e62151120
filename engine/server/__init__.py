"""The HTTP API (``talentgraph serve``): the app, keys and roles, jobs, problems."""

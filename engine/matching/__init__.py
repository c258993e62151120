"""Serving: retrieval of a candidate pool, exact re-scoring, short reasons."""

"""Explanations: short reasons for recruiters (``reasons``)."""

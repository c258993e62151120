"""Learned models of the engine, one module each (e.g. ``text_encoder``, ``text_adapter``).

Import from the modules themselves. This package file imports nothing, so that
``import engine.models`` stays cheap: torch and sentence-transformers load only when a model
is used.
"""

"""Compiled inner loops (numba, compiled in memory on first use, never cached to disk)."""

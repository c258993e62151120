"""Allocation: who goes where when many roles compete for many candidates (issue #10)."""

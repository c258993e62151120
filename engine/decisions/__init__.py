"""Recruiter decisions: the append-only, tamper-evident log (issue #10)."""

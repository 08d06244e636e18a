"""Watching a live model: the reference profile training records, capture files, drift."""

"""Khmer text helpers. Pure Python: imports nothing from Django."""

"""Insight: usage, time saved, response times, victim-update compliance, disproportionality."""

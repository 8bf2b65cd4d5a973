"""Incidents: the log number, the opening type, grade and target, the append-only log, closing."""

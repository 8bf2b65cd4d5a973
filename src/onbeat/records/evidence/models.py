"""Tables of records.evidence."""

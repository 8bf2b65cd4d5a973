"""Tables of records.statements."""

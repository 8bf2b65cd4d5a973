"""Tables of records.pole."""

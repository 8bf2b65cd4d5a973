"""Tables of records.stopsearch."""

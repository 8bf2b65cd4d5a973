"""Tables of records.interviews."""

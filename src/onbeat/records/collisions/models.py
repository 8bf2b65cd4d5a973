"""Tables of records.collisions."""

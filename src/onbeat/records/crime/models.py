"""Tables of records.crime."""

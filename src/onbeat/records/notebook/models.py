"""Tables of records.notebook."""

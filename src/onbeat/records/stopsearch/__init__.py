"""Stop and search records (PACE Code A 4.3): the form, its rules, its API and staff pages."""

"""The staff pages' shell: layout, navigation by role, shared static assets, error pages."""

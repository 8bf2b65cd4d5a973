"""Identity: stations, teams, staff accounts, roles, sign-in sessions and API tokens."""

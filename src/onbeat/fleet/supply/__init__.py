"""Device fleet: supply (device models, role profiles, requests, the build queue, delivery runs)."""

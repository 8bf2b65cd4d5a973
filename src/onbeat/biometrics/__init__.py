"""Fingerprint identification in the street: enrol, 1:N identify, 1:1 verify."""

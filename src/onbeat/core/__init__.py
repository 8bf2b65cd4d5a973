"""Core: identity, permissions, audit log, domain events, errors, references, time."""

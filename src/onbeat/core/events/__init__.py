"""Domain events: an outbox written with the change, relayed to NATS, streamed to pages."""

"""The audit log required by DPA 2018 s62: append-only, hash-chained, written with the change."""

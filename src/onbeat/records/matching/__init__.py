"""Enter once: how two descriptions of a person are compared, the match model trained on the store (Splink, EM), scoring and batch deduplication."""

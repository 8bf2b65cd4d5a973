"""Enter once: suggestions of people, vehicles and addresses already known, as an officer types."""

"""Enter once for the whole store: legacy imports, proposed merges of duplicate people, merge and unmerge."""

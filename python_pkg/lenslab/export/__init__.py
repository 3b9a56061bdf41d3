"""Export: the versioned wire schema and what converts a history into it."""

"""One module per step of the loop. Each job is idempotent and claims its work."""

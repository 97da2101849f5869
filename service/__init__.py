"""onetoone: keeps every manager and direct report in a regular, well-run 1-2-1."""

__version__ = "0.1.0"

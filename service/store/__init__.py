"""Persistence: SQLAlchemy models, the one module that queries, and Alembic migrations."""

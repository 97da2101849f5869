"""Persistence: SQLAlchemy models, the repositories that query them (handing out the records
of service/domain/records.py), the `Store` that composes them, and Alembic migrations."""

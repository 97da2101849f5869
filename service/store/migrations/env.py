"""Alembic environment: the URL comes from the caller's config (see service/store/db.py)."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from service.store.calendar_delta import CALENDAR_DELTA
from service.store.due_statements import DUE_MARKS
from service.store.models import Base
from service.store.people import DIRECTORY_USERS
from service.store.rebooks import SENT_ITEMS_READS
from service.store.runs import RUNS

config = context.config
# The ORM tables and the Core ones kept in MetaData of their own (else autogenerate would
# write a drop_table for each of those into the next migration).
CORE_TABLES = (DIRECTORY_USERS, DUE_MARKS, SENT_ITEMS_READS, CALENDAR_DELTA, RUNS)
target_metadata = [Base.metadata, *dict.fromkeys(t.metadata for t in CORE_TABLES)]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()

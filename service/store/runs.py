"""How the worker's (or `onetoone tick`'s) last runs went, for `onetoone status`: one row
per kind of run, "run" (any run) and "sync" (a run with the directory sync)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from service.domain.run_health import RunRecord
from service.store.base import Repository
from service.store.models import UtcDateTime

# Core, not ORM: a row per kind of run, written by whatever ran it. ``error`` is only the
# kind of failure ("AuthError", "step failed: pairs"), as /readyz says it: never the
# error's words, which can name people (the worker's log has those).
RUNS = Table(
    "runs", MetaData(),
    Column("job", String(20), primary_key=True),
    Column("ok_at", UtcDateTime(timezone=True), nullable=True),
    Column("failed_at", UtcDateTime(timezone=True), nullable=True),
    Column("failing_since", UtcDateTime(timezone=True), nullable=True),
    Column("error", String(200), nullable=True),
)


class RunsRepository(Repository):
    """The outcome of the last runs, kept across restarts (the worker's own is in memory)."""

    def runs(self) -> dict[str, RunRecord]:
        with self.reading() as s:
            rows = s.execute(select(RUNS.c.job, RUNS.c.ok_at, RUNS.c.failed_at,
                                    RUNS.c.failing_since, RUNS.c.error))
            return {job: RunRecord(*rest) for job, *rest in rows}

    def record_run(self, job: str, now: datetime, error: str | None = None) -> None:
        """A run of ``job`` went through (``error`` None) or failed with ``error``."""
        for _attempt in range(2):
            with self.session() as s:
                was = s.execute(select(RUNS.c.failing_since, RUNS.c.error)
                                .where(RUNS.c.job == job)).first()
                values: dict[str, object]
                if error is None:
                    values = {"ok_at": now, "failed_at": None, "failing_since": None,
                              "error": None}
                else:
                    since = was.failing_since if was is not None and was.error else None
                    values = {"failed_at": now, "failing_since": since or now,
                              "error": error[:200]}
                if was is not None:
                    s.execute(update(RUNS).where(RUNS.c.job == job).values(**values))
                else:
                    try:
                        s.execute(insert(RUNS).values(job=job, **values))
                    except IntegrityError:  # another replica inserted it first: update
                        s.rollback()
                        continue
                s.commit()
                return

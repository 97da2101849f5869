"""How the worker's (or `onetoone tick`'s) last runs went, for `onetoone status`: one row
per kind of run, "run" (any run) and "sync" (a run with the directory sync)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
        self.record_runs(now, {job: error})

    def record_runs(self, now: datetime, outcomes: dict[str, str | None]) -> None:
        """Runs of the jobs in ``outcomes`` went through (None) or failed with the error
        given, in one transaction (every tick writes it: one commit, not one a kind)."""
        for _attempt in range(2):
            with self.session() as s:
                was = {job: (since, error) for job, since, error in s.execute(
                    select(RUNS.c.job, RUNS.c.failing_since, RUNS.c.error)
                    .where(RUNS.c.job.in_(list(outcomes))))}
                try:
                    for job, error in outcomes.items():
                        self._record(s, job, now, error, was.get(job))
                except IntegrityError:  # another replica inserted one first: update it
                    s.rollback()
                    continue
                s.commit()
                return

    @staticmethod
    def _record(s: Session, job: str, now: datetime, error: str | None,
                was: tuple[datetime | None, str | None] | None) -> None:
        values: dict[str, object]
        if error is None:
            values = {"ok_at": now, "failed_at": None, "failing_since": None, "error": None}
        else:
            since = was[0] if was is not None and was[1] else None
            values = {"failed_at": now, "failing_since": since or now, "error": error[:200]}
        if was is not None:
            s.execute(update(RUNS).where(RUNS.c.job == job).values(**values))
        else:
            s.execute(insert(RUNS).values(job=job, **values))

"""How the worker's (or `onetoone tick`'s) last runs went, for `onetoone status`: one row
per kind of run, "run" (any run) and "sync" (a run with the directory sync)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    update,
)
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
        given, in one transaction (every tick writes it: one commit, not one a kind). Each
        row is updated in place, the jobs that went through in one statement (a tick's
        usual case); a job not recorded yet is added."""
        for _attempt in range(2):
            with self.session() as s:
                try:
                    for job in self._update_runs(s, now, outcomes):
                        s.execute(insert(RUNS).values(job=job, **_values(now, outcomes[job])))
                except IntegrityError:  # another replica inserted one first: update it
                    s.rollback()
                    continue
                s.commit()
                return

    @staticmethod
    def _update_runs(s: Session, now: datetime, outcomes: dict[str, str | None]) -> list[str]:
        """Update the rows of ``outcomes``; the jobs that have none."""
        ok = [job for job, error in outcomes.items() if error is None]
        missing: list[str] = []
        if ok:
            done = s.execute(_OK.values(ok_at=now), [{"b_job": job} for job in ok])
            if len(ok) > 1 and (not s.get_bind().dialect.supports_sane_multi_rowcount
                                or done.rowcount != len(ok)):  # type: ignore[attr-defined]
                # (Which is missing is not told: the first run of a database only.)
                have = set(s.scalars(select(RUNS.c.job).where(RUNS.c.job.in_(ok))))
                missing += [job for job in ok if job not in have]
            elif done.rowcount != len(ok):  # type: ignore[attr-defined]
                missing += ok
        for job, error in outcomes.items():
            if error is not None and not s.execute(_failed(now, error).where(
                    RUNS.c.job == job)).rowcount:  # type: ignore[attr-defined]
                missing.append(job)
        return missing


# A run that went through (the job bound per row: one statement for several).
_OK = update(RUNS).where(RUNS.c.job == bindparam("b_job")).values(
    failed_at=None, failing_since=None, error=None)


def _failed(now: datetime, error: str) -> Any:
    """The update of a run that failed: failing since the first of the failures in a row
    (worked out in the statement, from the row as it is)."""
    at = literal(now, RUNS.c.failing_since.type)  # (stored as the column stores it)
    return update(RUNS).values(
        failed_at=now, error=error[:200],
        failing_since=case((func.coalesce(RUNS.c.error, "") != "",
                            func.coalesce(RUNS.c.failing_since, at)), else_=at))


def _values(now: datetime, error: str | None) -> dict[str, object]:
    """The row of a job's first run."""
    if error is None:
        return {"ok_at": now, "failed_at": None, "failing_since": None, "error": None}
    return {"failed_at": now, "failing_since": now, "error": error[:200]}

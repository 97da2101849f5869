"""How the last runs went, as `onetoone status` says it: the last run, the last directory
sync and, while they fail, since when and with what (as stored by store/runs.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

# The kinds of run recorded: any run, and a run with the directory sync.
RUN, SYNC = "run", "sync"
# Failures `onetoone doctor` finds the cause of (the sign-in, a permission, the config, the
# pairs file); the others are said in the worker's log (or `onetoone tick`'s output).
_DOCTOR_FINDS = ("AuthError", "NotConsented", "PermissionDenied", "ConfigError",
                 "PairsFileError", "TooManyEnds", "StoreError", "step failed: pairs")


class RunRecord(NamedTuple):
    """The last run of a kind that went through (``ok_at``) and, while the runs since have
    failed, when the first of them did, when the last did and what failed: the kind of
    error or the steps ("AuthError", "step failed: pairs"), never its words (they can
    name people; the log has them)."""

    ok_at: datetime | None
    failed_at: datetime | None
    failing_since: datetime | None
    error: str | None


def failed_steps_kind(steps: Sequence[str]) -> str | None:
    """What a run whose ``steps`` failed ("name: error" each) is recorded as failing with:
    "step failed: name, ..." (None when none failed)."""
    if not steps:
        return None
    return "step failed: " + ", ".join(dict.fromkeys(s.partition(":")[0] for s in steps))


def _at(instant: datetime | None) -> str:
    return f"{instant:%a %d %b %Y %H:%M} UTC" if instant is not None else "none went through"


def _line(what: str, record: RunRecord | None) -> str:
    if record is None:
        return f"{what}: none recorded yet"
    text = f"{what}: {_at(record.ok_at)}"
    if record.error:
        fix = ("run `onetoone doctor`" if record.error.startswith(_DOCTOR_FINDS)
               else "the worker's log (or `onetoone tick`'s output) says why")
        text += f" (failing since {_at(record.failing_since)}: {record.error} — {fix})"
    return text


def runs_lines(runs: Mapping[str, RunRecord]) -> list[str]:
    """The last run and the last directory sync, with their failures (times in UTC)."""
    return [_line("last run", runs.get(RUN)), _line("last directory sync", runs.get(SYNC))]


"""How long what people wrote is kept: the cut-off of `[privacy] retain_months`.

Pure: ``now`` is passed in. Text about a meeting is as old as the meeting (a note re-read
after an edit is still about that day); text with no meeting is as old as when it was written.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from service.domain.cadence import add_months


def retention_cutoff(now: datetime, months: int) -> datetime | None:
    """Midnight UTC ``months`` calendar months before ``now``'s day; None when ``months`` is
    0 (retention off). Text dated before the cut-off is erased."""
    if months <= 0:
        return None
    return datetime.combine(add_months(now.astimezone(UTC).date(), -months), time(), UTC)

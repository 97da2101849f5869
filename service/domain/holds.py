"""How long a mailbox Graph keeps throttling is left alone (jobs/held_mailboxes.py)."""

from __future__ import annotations

from datetime import datetime, timedelta


def renewed_until(now: datetime, since: datetime, last_until: datetime,
                  longest: timedelta) -> datetime:
    """The least end of a hold for a mailbox given up again at ``now``, held without a
    break ``since`` until ``last_until``: as long as it has been throttled so far (``longest``
    at most), when its last hold ended within ``longest`` of ``now``; else ``now`` (a new
    spell takes Graph's wait alone).

    Graph's own wait is not enough on its own: a mailbox answered with a Retry-After of a few
    seconds, run after run, for hours, was held for those seconds, and each run spent its 30 s
    of retries on it again, each retry adding to its throttling. Held at least as long as
    its spell, a mailbox given up at every run is left alone for longer each time (15, 30,
    60 minutes with a run every 15), and asked again by the first run after each hold."""
    if now - last_until > longest:
        return now
    return now + min(max(now - since, timedelta(0)), longest)

"""Mailboxes Graph keeps throttling, remembered across runs and replicas.

A mailbox Graph keeps throttling past the run's budget is given up for that run
(graph/waits.py). Graph's Retry-After for it can be hours (another app using up its quota):
each later run then spent its 30 s on it again, and each request added to its throttling.
So the run keeps in the store until when Graph asked to be left alone (``HOLD_MAX`` at
most; a mailbox given up again soon after a hold, at least as long as it has been throttled
so far: domain/holds.py), and each run, of any replica, leaves the mailbox alone until then:
its requests are refused at once, unsent, as throttled, so its work stays due (mail pending,
agendas and notes for a later run), nothing is marked failed; the first run after the hold
asks again. Only mailboxes given up are held: a normal run asks the store once and Graph no
more than before.
Times are the run's instant moved on by the real time it has taken (``moved_on``), as
claims are: the worker's runs are as of the real time, and a replay (`tick --now`) or the
sandbox's simulated clock sees the holds its own runs made.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.domain.records import MailboxHold
from service.errors import ServiceError
from service.jobs.context import JobContext
from service.store.repo import Store

log = logging.getLogger(__name__)

# The longest hold one Retry-After buys. Outlook's limits are per app and mailbox over 10
# minutes (10,000 requests, 4 at once: learn.microsoft.com/graph/throttling-limits), so a
# wait of an hour is six of its windows; a longer one (an HTTP date far out, a proxy's) is
# not taken on trust for more: one run an hour asks again, and Graph says again.
HOLD_MAX = timedelta(hours=1)


@dataclass
class RunHolds:
    """The mailboxes a run left alone: held from its start, and given up by it."""

    held: list[MailboxHold]
    given_up: list[str] = field(default_factory=list)

    def any(self) -> bool:
        return bool(self.held or self.given_up)


def hold_throttled_mailboxes(ctx: JobContext, at: datetime) -> RunHolds:
    """At the start of a run as of ``at``: leave alone the mailboxes held by earlier runs
    (said once each, by address), and keep each mailbox this run gives up (see the
    module)."""
    now = ctx.moved_on(at)
    held = ctx.store.mailbox_holds(now)
    throttles = ctx.graph.transport.policy.throttles
    names = addresses(ctx.store, (h.mailbox for h in held))
    for hold in held:
        throttles.hold(hold.mailbox, (hold.until - now).total_seconds(), hold.code,
                       hold.message)
        log.warning("graph.mailbox_held", extra={
            "mailbox": names[hold.mailbox], "until": hold.until.isoformat(),
            "since": hold.since.isoformat(), "code": hold.code,
            "detail": "Graph keeps throttling this mailbox: this run sends it no request; "
                      "its agendas, notes and mail stay due until then"})

    holds = RunHolds(held)

    def gave_up(mailbox: str, wait: float, code: str, message: str) -> None:
        holds.given_up.append(mailbox)
        _keep(ctx, ctx.moved_on(at), mailbox, wait, code, message)

    throttles.on_give_up = gave_up
    return holds


def _keep(ctx: JobContext, now: datetime, mailbox: str, wait: float, code: str,
          message: str) -> None:
    """Keep ``mailbox`` held from ``now`` for the ``wait`` Graph asked for (``HOLD_MAX`` at
    most)."""
    if wait <= 0:  # (its retries ran out with no wait asked: the next run tries again)
        return
    try:
        hold = ctx.store.hold_mailbox(mailbox, now + min(timedelta(seconds=wait), HOLD_MAX),
                                      now, code, message, longest=HOLD_MAX)
    except ServiceError as exc:  # this run leaves it alone still; the next asks Graph again
        log.warning("graph.mailbox_hold_failed", extra={"mailbox": mailbox, "error": str(exc)})
        return
    log.warning("graph.mailbox_held", extra={
        "mailbox": addresses(ctx.store, [mailbox])[mailbox], "until": hold.until.isoformat(),
        "since": hold.since.isoformat(), "code": code, "retry_after": round(wait, 3),
        "detail": "Graph keeps throttling this mailbox: no run of any replica sends it a "
                  "request until then; its agendas, notes and mail stay due"})


def addresses(store: Store, mailboxes: Iterable[str]) -> dict[str, str]:
    """Each mailbox as a request names it (a directory id or an address), by its address
    where the store knows the person."""
    boxes = list(dict.fromkeys(mailboxes))
    if not boxes:
        return {}
    people = store.people([m for m in boxes if "@" not in m])
    return {m: people[m].email if m in people else m for m in boxes}


def held_lines(store: Store, now: datetime) -> list[str]:
    """The mailboxes held at ``now``, a line each, for `tick` and `status`."""
    held = store.mailbox_holds(now)
    names = addresses(store, (h.mailbox for h in held))
    return [f"{names[h.mailbox]}: Graph keeps throttling this mailbox"
            f"{f' ({h.code})' if h.code else ''} since {h.since:%Y-%m-%d %H:%M} UTC; no "
            f"request is sent to it until {h.until:%Y-%m-%d %H:%M} UTC, then one run asks "
            "again (its agendas, notes and mail wait meanwhile, none failed)"
            for h in held]

"""The order a meeting's typed numeric dates ("by 12/10") are read in, when its manager's
Outlook date format is not known yet.

The format comes with the mailbox settings the pairs sync reads for each report, so it is
not known for a manager no one reports to (the top of a chart), nor, after an upgrade, for
anyone read before it. Reading everyone's up front would cost every rollout a request per
such manager; most notes hold no date that the order changes. So it is read here, once per
manager, only when a meeting's notes read differently day first and month first: the cost
follows the notes that need it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from service.domain.due_dates import DateOrder, date_order, notes_order
from service.domain.notes import ParsedNotes
from service.domain.records import PairingView
from service.errors import GraphError, OutcomeUnknown, ServiceError, Throttled, Unreachable
from service.jobs.context import JobContext

log = logging.getLogger(__name__)


def _dues(parsed: ParsedNotes) -> list[tuple[Any, ...]]:
    return [(a.owner, a.text, a.due) for a in parsed.new_actions]


async def reading_order(ctx: JobContext, view: PairingView, kept: str | None,
                        parse: Callable[[DateOrder], ParsedNotes]
                        ) -> tuple[DateOrder, bool, ParsedNotes | None]:
    """The order to read a meeting's notes in, whether the meeting keeps it for its
    re-reads, and the notes read in it when reading them was part of deciding (else None).

    The order its notes were first read in (``kept``) or, for a first read, its manager's.
    With the manager's format not known: day first, not kept, when the notes read the same
    either way (a later edit that adds such a date finds the format then); else the
    manager's mailbox settings are read (once a run), and their format stored. A read Graph
    refuses (no access to the mailbox) leaves day first, as before formats were read, kept;
    one that failed only for now (throttled, a 5xx, no answer known) raises, so the meeting
    is read next run rather than its dates kept in an order that may be wrong."""
    manager = view.manager
    if kept or manager.date_format is not None:
        return notes_order(kept, manager.date_format), True, None
    if manager.id in ctx.date_formats:
        return date_order(ctx.date_formats[manager.id]), True, None
    day_first = parse(DateOrder.DAY_FIRST)
    if _dues(day_first) == _dues(parse(DateOrder.MONTH_FIRST)):
        return DateOrder.DAY_FIRST, False, day_first
    try:
        info = (await ctx.graph.mailbox_settings([manager.id], raise_passing=False)
                ).get(manager.id)
    except ServiceError as exc:
        if isinstance(exc, (Throttled, OutcomeUnknown, Unreachable)) or (
                isinstance(exc, GraphError) and (exc.status == 429 or exc.status >= 500)):
            raise  # for now only: the capture step reports it, and reads the meeting next run
        log.warning("notes.date_format_unread", extra={"mailbox": manager.email,
                                                       "error": str(exc)})
        return DateOrder.DAY_FIRST, True, day_first
    if info is not None and info.error is not None and info.passing:
        raise Throttled(f"Could not read the date format of {manager.email} (its mailbox "
                        f"settings) for now ({info.error}): the meeting's notes, which hold a "
                        "date that reads otherwise day/month and month/day, are read next "
                        "run.", mailbox=manager.id)
    if info is None or info.error is not None:
        error = "no answer" if info is None else info.error
        log.warning("notes.date_format_unread", extra={"mailbox": manager.email,
                                                       "error": error})
        return DateOrder.DAY_FIRST, True, day_first
    found = info.date_format or ""
    ctx.store.set_date_format(manager.id, found)
    ctx.date_formats[manager.id] = found
    log.info("notes.date_format_read", extra={"mailbox": manager.email, "date_format": found})
    order = date_order(found)
    return order, True, day_first if order == DateOrder.DAY_FIRST else None



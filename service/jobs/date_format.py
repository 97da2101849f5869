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
from service.errors import ServiceError
from service.jobs.context import JobContext

log = logging.getLogger(__name__)


def _dues(parsed: ParsedNotes) -> list[tuple[Any, ...]]:
    return [(a.owner, a.text, a.due) for a in parsed.new_actions]


async def reading_order(ctx: JobContext, view: PairingView, kept: str | None,
                        parse: Callable[[DateOrder], ParsedNotes]
                        ) -> tuple[DateOrder, bool]:
    """The order to read a meeting's notes in, and whether the meeting keeps it for its
    re-reads. The order its notes were first read in (``kept``) or, for a first read, its
    manager's. With the manager's format not known: day first, not kept, when the notes
    read the same either way (a later edit that adds such a date finds the format then);
    else the manager's mailbox settings are read, and their format stored. A read that
    fails leaves day first, as before formats were read, kept, and the format unknown."""
    manager = view.manager
    if kept or manager.date_format is not None:
        return notes_order(kept, manager.date_format), True
    if _dues(parse(DateOrder.DAY_FIRST)) == _dues(parse(DateOrder.MONTH_FIRST)):
        return DateOrder.DAY_FIRST, False
    error: str | None = None
    try:
        info = (await ctx.graph.mailbox_settings([manager.id], raise_passing=False)
                ).get(manager.id)
    except ServiceError as exc:
        info, error = None, str(exc)
    else:
        error = "no answer" if info is None else info.error
    if info is None or error is not None:
        log.warning("notes.date_format_unread", extra={"mailbox": manager.id, "error": error})
        return DateOrder.DAY_FIRST, True
    ctx.store.set_date_format(manager.id, info.date_format or "")
    log.info("notes.date_format_read", extra={"mailbox": manager.id,
                                              "date_format": info.date_format or ""})
    return date_order(info.date_format), True

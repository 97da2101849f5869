"""Listing the occurrences of the series whose agendas fall due (or that changed).

A series is listed by its instances (which Graph answers with 404 once the manager deleted
it in Outlook). Several series of one manager listed in the same run, as when a manager
keeps their 1-2-1s on the same day, are read from one calendarView of that calendar
instead: like instances, and unlike calendarView/delta, it returns each occurrence whole,
body included (the agenda step writes into it without another read).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from service.domain.events import CalendarEvent
from service.errors import ServiceError
from service.jobs.context import JobContext

# The body too: the agenda step writes into these occurrences without reading them again
# (and the locations, which tell a room invited as a "required" attendee from a person:
# invite_shared.shared_beyond_the_pair).
SELECT = "id,start,end,isCancelled,originalStart,type,attendees,locations,body"
# The same from a whole calendar's view, with the series each occurrence belongs to.
VIEW_SELECT = SELECT + ",seriesMasterId"
# Listings in flight at once (the transport keeps 4 per mailbox and its overall cap).
LISTINGS_AT_ONCE = 16


async def list_series(ctx: JobContext, lo: datetime, listed: list[tuple[Any, datetime]]
                    ) -> list[list[CalendarEvent] | ServiceError]:
    """Each series' occurrences in [lo, its hi), as its instances list them (in order; an
    error for a series whose listing failed). Several series of one manager listed at once
    (their agendas fall due the same day) are read from one calendarView of that calendar,
    which carries every occurrence whole, body included (unlike calendarView/delta), and is
    split by series master: one request rather than one per series. A series the view shows
    nothing of (or all, when the view fails) is listed on its own, as only its instances
    answer 404 for a series deleted in Outlook."""
    gate = asyncio.Semaphore(LISTINGS_AT_ONCE)

    async def fetch(series: Any, hi: datetime) -> list[CalendarEvent] | ServiceError:
        async with gate:
            try:
                return await ctx.graph.instances(series.mailbox, series.event_id, lo, hi,
                                                 SELECT)
            except ServiceError as exc:  # NotFound included: the caller tells them apart
                return exc

    async def view(mailbox: str, hi: datetime) -> list[CalendarEvent] | ServiceError:
        async with gate:
            try:
                return await ctx.graph.calendar_view(mailbox, lo, hi, VIEW_SELECT)
            except ServiceError as exc:  # its series are then listed one by one, as ever
                return exc

    by_mailbox: dict[str, list[int]] = {}
    for n, (series, _hi) in enumerate(listed):
        by_mailbox.setdefault(series.mailbox.lower(), []).append(n)
    shared = {m: ns for m, ns in by_mailbox.items() if len(ns) > 1}
    single = [ns[0] for ns in by_mailbox.values() if len(ns) == 1]
    # The views and the series listed alone side by side.
    got = await asyncio.gather(
        *(view(listed[ns[0]][0].mailbox, max(listed[n][1] for n in ns))
          for ns in shared.values()),
        *(fetch(*listed[n]) for n in single))
    answers: list[list[CalendarEvent] | ServiceError | None] = [None] * len(listed)
    for n, answer in zip(single, got[len(shared):], strict=True):
        answers[n] = answer
    for ns, seen in zip(shared.values(), got[:len(shared)], strict=True):
        if isinstance(seen, ServiceError):
            continue  # (only a series' own listing tells a deleted series from a 404)
        for n in ns:
            series, hi = listed[n]
            mine = [e for e in seen if e.series_master_id == series.event_id]
            if mine:  # as its instances in [lo, hi) list them
                answers[n] = [e for e in mine if e.start is not None and e.end is not None
                              and e.start < hi and (e.end > lo or e.start == lo)]
    alone = [n for n, answer in enumerate(answers) if answer is None]
    for n, answer in zip(alone, await asyncio.gather(*(fetch(*listed[n]) for n in alone)),
                         strict=True):
        answers[n] = answer
    return [answer for answer in answers if answer is not None]

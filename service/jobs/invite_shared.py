"""Whether a meeting's invite is shared beyond its pair: the agenda recalls the pair's notes
and topics, and every update of the invite goes to each attendee, so none is written into
an invite the manager has added (or forwarded it to) someone else."""

from __future__ import annotations

import logging
from typing import Any

from service.domain.records import PairingView
from service.errors import AuthError, GraphError, OutcomeUnknown, Throttled
from service.jobs.context import JobContext

log = logging.getLogger("service.jobs.agenda")  # said as the agenda step's


def others_invited(event: Any, view: PairingView) -> set[str]:
    """The addresses of attendees other than the pair, as their addresses are now, rooms
    aside: a room is one booked as the meeting's place (its locations' addresses, which
    Exchange adds as a room accepts), whatever type the attendee has.

    An attendee's type is only what the organizer chose: Outlook's Resources box takes any
    address, and a colleague, an assistant or HR put there gets every update, last time's
    notes with it. So a "resource" that is not one of the meeting's places counts as a
    person, in a pair or not (a room booked without being made the place is taken for one
    too: no agenda rather than one a stranger reads). A room booked as the place yet listed
    as "required" (Graph's default type, which tools booking rooms leave) is a room."""
    pair = {view.report.email.lower(), view.manager.email.lower()}
    rooms = set(event.rooms)
    return {a.email.lower() for a in event.attendees
            if a.email and a.email.lower() not in pair and a.email.lower() not in rooms}


async def shared_beyond_the_pair(ctx: JobContext, event: Any, view: PairingView) -> bool:
    """Whether the invite has an attendee other than the pair (``others_invited``). An
    address the pair no longer goes by is looked up in the directory (only then: one
    batched request): after a change of name Exchange keeps the old address as an alias of
    the same mailbox, and the invite, booked before, still carries it. A look-up Graph
    refuses (an address it cannot search, access) leaves them others, as before it was
    made; one that may pass (throttling, a 5xx) fails this meeting's agenda for the next
    run."""
    others = others_invited(event, view)
    if not others:
        return False
    try:
        found = await ctx.graph.find_users(sorted(others))
    except (Throttled, OutcomeUnknown, AuthError):
        raise
    except GraphError as exc:
        log.warning("agenda.attendees_unresolved", extra={"error": str(exc)})
        return True
    pair = {view.manager.id, view.report.id}
    return any(a not in found or found[a].id not in pair for a in others)

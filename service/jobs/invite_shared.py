"""Whether a meeting's invite is shared beyond its pair: the agenda recalls the pair's notes
and topics, and every update of the invite goes to each attendee, so none is written into
an invite the manager has added (or forwarded it to) someone else."""

from __future__ import annotations

import logging
from typing import Any

from service.domain.records import PairingView
from service.errors import AuthError, GraphError, OutcomeUnknown, Throttled
from service.jobs.context import JobContext
from service.store.repo import Store

log = logging.getLogger("service.jobs.agenda")  # said as the agenda step's


def others_invited(event: Any, view: PairingView, store: Store) -> set[str]:
    """The addresses of attendees other than the report (rooms aside), as the pair's
    addresses are now.

    An attendee's type is only what the organizer chose: Outlook's Resources box takes any
    address, and a colleague put there still gets every update. So a "resource" who is in
    a pair (as manager or report: a person for certain) counts as a person. (Other
    addresses there are taken for rooms: a room's account can be an enabled directory user,
    and a tenant's rooms can be at any of its domains.) A room booked as the meeting's
    location yet listed as "required" (Graph's default type, which tools booking rooms
    leave) is a room in the same way: the pair's own series is adopted with one
    (domain.own_series._people), and taken here for a third person it would never get an
    agenda."""
    pair = {view.report.email.lower(), view.manager.email.lower()}
    rooms = set(event.rooms)

    def roomlike(a: Any) -> bool:
        return a.kind == "resource" or a.email.lower() in rooms

    people = {a.email.lower() for a in event.attendees
              if a.email and a.email.lower() not in pair and not roomlike(a)}
    resources = {a.email.lower() for a in event.attendees
                 if a.email and a.email.lower() not in pair and roomlike(a)}
    return people | (store.paired_emails(resources) if resources else set())


async def shared_beyond_the_pair(ctx: JobContext, event: Any, view: PairingView) -> bool:
    """Whether the invite has an attendee other than the pair (``others_invited``). An
    address the pair no longer goes by is looked up in the directory (only then: one
    batched request): after a change of name Exchange keeps the old address as an alias of
    the same mailbox, and the invite, booked before, still carries it. A look-up Graph
    refuses (an address it cannot search, access) leaves them others, as before it was
    made; one that may pass (throttling, a 5xx) fails this meeting's agenda for the next
    run."""
    others = others_invited(event, view, ctx.store)
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

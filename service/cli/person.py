"""Which person a command about "PERSON_EMAIL" means.

An address can belong to more than one person over time: a rehire with a new account, or
a leaver's address given to a joiner. Their records must never be mixed (a subject-access
record holding someone else's notes, an erasure missing half of them), so an address that
is ambiguous is refused, listing who holds it, and ``--person-id`` picks one.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.cli.output import name_of
from service.domain.records import PairingView, PersonRecord
from service.domain.status import PairingStatus
from service.domain.text import for_one_line
from service.errors import ServiceError

PERSON_ID_HELP = ("The directory id of the person meant, when the address has been more "
                  "than one person's (the command lists them).")


def one_person(views: Iterable[PairingView], email: str, person_id: str | None
               ) -> PersonRecord:
    """The one person with this address in any pair (or the one ``person_id`` names)."""
    wanted = email.strip().lower()
    found: dict[str, PersonRecord] = {}
    live: set[str] = set()
    for view in views:
        for person in (view.manager, view.report):
            if person.email.lower() == wanted:
                found[person.id] = person
                if view.pairing.status == PairingStatus.ACTIVE:
                    live.add(person.id)
    if not found:
        raise ServiceError(f"No pair involves {email}.")
    if person_id is not None:
        if person_id not in found:
            raise ServiceError(
                f"--person-id {person_id} is not a person with the address {email}; it "
                f"belongs to: {_listed(found, live)}.")
        return found[person_id]
    if len(found) > 1:
        raise ServiceError(
            f"{email} has been the address of {len(found)} people (a rehire, or an address "
            f"given to someone new): {_listed(found, live)}. Their records are kept apart: "
            "run again with --person-id and the directory id of the one you mean.")
    return next(iter(found.values()))


def _listed(found: dict[str, PersonRecord], live: set[str]) -> str:
    return "; ".join(
        f"{name_of(p)} (id {for_one_line(pid)}, "
        f"{'in a current pair' if pid in live else 'no current pair'})"
        for pid, p in sorted(found.items()))

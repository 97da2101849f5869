"""The directory as last read: users' stored properties, and the changes a delta read brings.

Graph's users/delta sends a changed user with at least the properties that changed (not
necessarily all of them), so a change is merged into what was known, never taken whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from service.domain.events import DirectoryUser
from service.domain.timezones import is_valid_zone, local_date, to_iana

# The properties kept per user (what a DirectoryUser is derived from).
# ("hire_date" holds employeeHireDate as Graph sent it: an instant, see hired_at.)
FIELDS = ("display_name", "given_name", "mail", "upn", "enabled", "user_type", "hire_date",
          "manager_id", "proxy_addresses")
# Kept with them, though users/delta does not tell it: the mailbox's purpose, as
# mailboxSettings said when it was read (jobs/pairs_purpose.py).
PURPOSE = "mailbox_purpose"
UserValues = dict[str, object]
# Hire dates outside these are what some HR systems write for "not known" (0001-01-01, .NET's
# unset date; 9999-12-31, "open"): no one's first day, and past what the date arithmetic of a
# joiner's first weeks can take (it overflowed, stopping every pair's series). Read as none.
HIRED_FROM, HIRED_UNTIL = date(1900, 1, 1), date(2199, 12, 31)
# Entra's longest display name, and the store's (people.name): a longer one, from a directory
# that isn't Entra's, is kept to its first 256 characters rather than refused by the
# database, which would fail the whole pairs step for one name.
NAME_MAX = 256
# Entra's longest givenName, and the store's (people.given_name).
GIVEN_NAME_MAX = 64
# The most other addresses kept per person (people.aliases): Exchange allows a mailbox
# hundreds of proxy addresses, and a mention is rarely of more than the few in use.
ALIASES_MAX = 20


@dataclass(frozen=True)
class UserChange:
    """One user in a delta page: the properties it carried, or that it was removed."""

    id: str
    values: Mapping[str, object] = field(default_factory=dict)
    removed: bool = False


@dataclass(frozen=True)
class DirectoryDelta:
    """A round of users/delta: the changes, the link for the next round, and whether it was a
    full read (everything known before is replaced)."""

    changes: list[UserChange]
    delta_link: str
    full: bool


@dataclass
class MergedDirectory:
    """The directory after a delta: every user as the pairs job sees them, and the stored
    properties of only the users the delta changed (``before``: as stored, ``after``: now;
    a user gone is in ``before`` only, a new one in ``after`` only)."""

    users: list[DirectoryUser]
    before: dict[str, UserValues]
    after: dict[str, UserValues]


def _fold(values: Mapping[str, object] | None, changes: UserChange | list[UserChange] | None
          ) -> UserValues | None:
    """One user's properties after their changes in a delta, in order (None: removed)."""
    out = None if values is None else dict(values)
    if changes is None:
        return out
    for change in changes if isinstance(changes, list) else [changes]:
        out = None if change.removed else {**(out or {}), **change.values}
    return out


def merge_stream(stored: Iterable[tuple[str, Mapping[str, object]]], delta: DirectoryDelta
                 ) -> MergedDirectory:
    """The directory after ``delta`` (a full read replaces, an incremental one patches),
    from the stored one read a row at a time in any order: every user, but the properties
    of only those the delta changed (not everyone's twice, before and after)."""
    # Per user their changes in order: one, or a list when a round has several (a list per
    # user of a full read would be 100,000 lists).
    pending: dict[str, UserChange | list[UserChange]] = {}
    for change in delta.changes:
        had = pending.get(change.id)
        if had is None:
            pending[change.id] = change
        elif isinstance(had, list):
            had.append(change)
        else:
            pending[change.id] = [had, change]
    users: list[DirectoryUser] = []
    before: dict[str, UserValues] = {}
    after: dict[str, UserValues] = {}
    for uid, values in stored:
        changes = pending.pop(uid, None)
        if changes is None and not delta.full:
            users.append(directory_user(uid, values))
            continue
        # A full read replaces: a stored user it does not list is gone.
        new = _kept_purpose(values, _fold(None if delta.full else values, changes))
        if new != values:
            before[uid] = dict(values)
            if new is not None:
                after[uid] = new
        if new is not None:
            users.append(directory_user(uid, new))
    for uid, changes in pending.items():
        new = _fold(None, changes)
        if new is not None:
            after[uid] = new
            users.append(directory_user(uid, new))
    return MergedDirectory(users=users, before=before, after=after)


def _kept_purpose(stored: Mapping[str, object], new: UserValues | None) -> UserValues | None:
    """A user's values after a delta, with the mailbox purpose read before kept while
    nothing the directory tells of them changed (a full read, which lists everyone, costs
    no mailbox read for those), and dropped when something did, so it is read again: an
    account whose mailbox was made shared (a leaver's, kept for a colleague) often comes
    with a change of name or manager."""
    if new is None or PURPOSE not in stored:
        return new
    rest = {k: v for k, v in new.items() if k != PURPOSE}
    if rest == {k: v for k, v in stored.items() if k != PURPOSE}:
        return {**rest, PURPOSE: stored[PURPOSE]}
    return rest


def directory_user(uid: str, values: Mapping[str, object]) -> DirectoryUser:
    """The user as the pairs job sees them (the same rules as a plain /users read)."""
    mail, upn = values.get("mail"), values.get("upn")
    name = values.get("display_name") or mail or uid
    manager = values.get("manager_id")
    return DirectoryUser(
        id=uid,
        name=str(name)[:NAME_MAX],
        email=str(mail or upn or "").lower(),
        enabled=bool(values.get("enabled", True)),
        member=(values.get("user_type") or "Member") == "Member",
        hired_at=hired_at(values.get("hire_date")),
        manager_id=str(manager) if manager else None,
        upn=str(upn or "").lower(),
        mailbox=bool(mail),
        purpose=None if values.get(PURPOSE) is None else str(values.get(PURPOSE)),
        given_name=given_name(values.get("given_name")),
        aliases=aliases(mail, upn, values.get("proxy_addresses")),
    )


def given_name(value: object) -> str:
    """A user's givenName as kept: its words with single spaces, or "" (none set, or not a
    text: a directory that is not Entra's may send anything)."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:GIVEN_NAME_MAX].strip()


def aliases(mail: object, upn: object, proxy_addresses: object) -> tuple[str, ...]:
    """A user's other addresses, lower-cased, their primary one (``mail``, else the UPN)
    left out: the UPN, and the "smtp:" entries of ``proxyAddresses`` ("SMTP:" marks the
    primary; "SIP:", "X500:" and the like are no mail address). An Outlook mention's
    ``mailto:`` carries whichever of them the people picker found (see owners.py). Never
    raises: a directory that is not Entra's may send anything."""
    primary = str(mail or upn or "").strip().lower()
    found = [str(upn or "")] + [str(entry)[5:] for entry in (
        proxy_addresses if isinstance(proxy_addresses, list) else ())
        if str(entry)[:5].lower() == "smtp:"]
    out = dict.fromkeys(a for a in (f.strip().lower() for f in found)
                        if "@" in a and a != primary and " " not in a)
    return tuple(out)[:ALIASES_MAX]


def hired_at(value: object) -> datetime | None:
    """A user's ``employeeHireDate``, a DateTimeOffset Graph gives in UTC, as that instant
    (None: none, or a placeholder for none, or a value that is no date: one person's field
    written wrong by an HR feed must not stop the sync of everyone). Its day is the
    person's: see ``start_day``."""
    try:
        if not value or not HIRED_FROM <= date.fromisoformat(str(value)[:10]) <= HIRED_UNTIL:
            return None
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def start_day(hired: datetime | None, zone: str | None) -> date | None:
    """The day a person starts, from their ``hired_at`` and their mailbox's zone (an IANA
    name; None, not read yet: UTC's day). HR feeds write a first day as midnight where the
    person works, which Graph gives in UTC: Sydney's 2 March is 13:00 on 1 March, so the
    day is the instant's there. An instant at UTC midnight is a date written with no zone
    (Graph's own examples, many feeds): that date, which west of UTC is the day before."""
    if hired is None:
        return None
    utc = hired.astimezone(UTC)
    if utc.time() == time() or not zone or not is_valid_zone(zone):
        return utc.date()
    return local_date(utc, to_iana(zone))


def yet_to_start(people: Iterable[tuple[str, datetime | None, str | None]], now: datetime
                 ) -> frozenset[str]:
    """The ids of those among ``people`` (id, hired_at, their mailbox's zone) whose first
    day (``start_day``, where they work) is after the day it is there at ``now``: an account
    made ahead of a future hire, as Entra documents it (employeeHireDate to come)."""
    out = set()
    for pid, hired, zone in people:
        day = start_day(hired, zone)
        if day is not None and day > local_date(
                now, to_iana(zone) if zone and is_valid_zone(zone) else None):
            out.add(pid)
    return frozenset(out)


def member_groups(groups: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Each user's groups, from each group's members: one pass, not a scan per user."""
    out: dict[str, set[str]] = {}
    for group_id, members in groups.items():
        for uid in members:
            out.setdefault(uid, set()).add(group_id)
    return {uid: frozenset(gs) for uid, gs in out.items()}

"""The directory as last read: users' stored properties, and the changes a delta read brings.

Graph's users/delta sends a changed user with at least the properties that changed (not
necessarily all of them), so a change is merged into what was known, never taken whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from service.domain.events import DirectoryUser

# The properties kept per user (what a DirectoryUser is derived from).
FIELDS = ("display_name", "mail", "upn", "enabled", "user_type", "hire_date", "manager_id")
UserValues = dict[str, object]


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


def merge(known: Mapping[str, UserValues], delta: DirectoryDelta) -> dict[str, UserValues]:
    """The directory after ``delta``: a full read replaces, an incremental one patches."""
    out: dict[str, UserValues] = {} if delta.full else {k: dict(v) for k, v in known.items()}
    for change in delta.changes:
        if change.removed:
            out.pop(change.id, None)
            continue
        out.setdefault(change.id, {}).update(change.values)
    return out


def changed_ids(known: Mapping[str, UserValues], after: Mapping[str, UserValues]) -> set[str]:
    """Users who are new, gone or different."""
    return {uid for uid in known.keys() | after.keys() if known.get(uid) != after.get(uid)}


def directory_user(uid: str, values: Mapping[str, object]) -> DirectoryUser:
    """The user as the pairs job sees them (the same rules as a plain /users read)."""
    mail, upn = values.get("mail"), values.get("upn")
    name = values.get("display_name") or mail or uid
    hire = values.get("hire_date")
    manager = values.get("manager_id")
    return DirectoryUser(
        id=uid,
        name=str(name),
        email=str(mail or upn or "").lower(),
        enabled=bool(values.get("enabled", True)),
        member=(values.get("user_type") or "Member") == "Member",
        hire_date=date.fromisoformat(str(hire)[:10]) if hire else None,
        manager_id=str(manager) if manager else None,
    )


def directory_users(known: Mapping[str, UserValues]) -> list[DirectoryUser]:
    return [directory_user(uid, values) for uid, values in known.items()]


def member_groups(groups: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Each user's groups, from each group's members: one pass, not a scan per user."""
    out: dict[str, set[str]] = {}
    for group_id, members in groups.items():
        for uid in members:
            out.setdefault(uid, set()).add(group_id)
    return {uid: frozenset(gs) for uid, gs in out.items()}

"""Who `[pairs] exclude` names. An entry is an address or a directory object id, compared
ignoring case: a user's primary address, their user principal name, or (looked up, as a
pairs file's addresses are) another address of their mailbox, such as the one they had
before a change of name; an object id survives any rename."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from service.domain.events import DirectoryUser


@dataclass(frozen=True)
class Exclusion:
    """The entries as configured (lower-cased) and the ids of the users they name."""

    entries: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    def __contains__(self, user: object) -> bool:
        # (By address as well: someone a pairs file names whom the directory read lacks.)
        return isinstance(user, DirectoryUser) and (
            user.id in self.ids or user.email in self.entries or user.upn in self.entries)


def named_by(entries: AbstractSet[str], users: Iterable[DirectoryUser]) -> dict[str, str]:
    """Entry -> the id of the user it names by id, primary address or user principal name
    (the entries lower-cased; what the directory read holds, no look-up)."""
    out: dict[str, str] = {}
    for user in users:
        for key in (user.id.lower(), user.email, user.upn):
            if key and key in entries:
                out.setdefault(key, user.id)
    return out


def exclusion(entries: AbstractSet[str], named: Mapping[str, str]) -> Exclusion:
    """The exclusion of ``entries``, ``named`` being entry -> user id for those that name
    someone (by the directory read, or looked up)."""
    return Exclusion(frozenset(entries), frozenset(named.values()))


def matches_nobody(entries: AbstractSet[str], named: Mapping[str, str]) -> list[str]:
    """A warning per entry that names nobody: it excludes no one (a typo, or a leaver's
    address), and someone it was meant for may be paired."""
    return [f"[pairs] exclude: {entry} is nobody in the directory (by object id, address, "
            "alias or user principal name), so it excludes no one. Remove it, or correct it "
            "if it was meant for someone."
            for entry in sorted(entries - named.keys())]

"""Which of the pair an action's owner names, as the manager wrote it.

A person is known by their full name, the first name the agenda calls them, their given
name, a pronoun ("me" is the manager, "you" the report), an Outlook @mention of any of
their addresses (an alias too), and - when it names one of the two only - their family
name ("Jones", "A. Jones") or their initials in capitals ("AJ"). Anything else is not one
of the pair (the action line's grammar may still take it for someone outside the pair:
``action_line``).

Initials are the riskiest of these: capitals before a colon are as often a team ("HR",
"IT") or a role ("PM"). They count only when they are exactly one of the two's, the other
has other initials, and they are not one of the abbreviations offices use for a team, a
role or a word (``_NOT_INITIALS``); a third person with the same initials in a 1-2-1 of
two is rare, and a manager who means them writes their name.

Pure, deterministic, never raises.
"""

from __future__ import annotations

import re

from service.domain.body import SPACE, fold
from service.domain.mentions import NO_MENTIONS, LineMentions
from service.domain.wording import (
    DAYS_LONG,
    MONTHS,
    MONTHS_LONG,
    family_name,
    first_name,
    pair_first_names,
)

_MANAGER_WORDS = {"me", "i", "myself"}
_REPORT_WORDS = {"you", "yourself"}
# A family name that is also a date's word ("May", "Friday") says when before a colon as
# often as who ("May: plan the offsite"): never read as the person.
_DATE_WORDS = frozenset(fold(w) for w in (*MONTHS, *MONTHS_LONG, *DAYS_LONG,
                                          *(d[:3] for d in DAYS_LONG), "today", "tomorrow"))
# Capitals that are a team, a role, a place or a word in an office's notes, never read as
# someone's initials.
_NOT_INITIALS = frozenset((
    "HR", "IT", "PR", "PM", "PO", "QA", "QE", "UX", "UI", "BI", "BA", "BD", "CS", "CX", "DS",
    "DE", "DB", "ML", "AI", "AP", "AR", "GM", "MD", "VP", "EA", "PA", "SE", "TL", "EM", "RM",
    "AM", "TA", "ER", "IR", "GC", "LT", "OK", "NB", "PS", "RE", "CC", "UK", "US", "EU", "HQ",
    "NA", "ME", "WE", "TO", "DO", "GO", "NO", "SO", "BY", "ON", "IN", "OR", "AN", "AS", "AT",
    "BE", "IF", "IS", "OF", "UP", "ID", "CV", "PC", "TV", "FY", "Q1", "OH", "HSE", "CEO",
    "CFO", "CTO", "COO", "CIO", "CMO", "CPO", "CRO", "CSO", "CDO", "SVP", "EVP", "AVP", "SLT",
    "ELT", "SMT", "KPI", "OKR", "SLA", "ETA", "EOD", "EOW", "COB", "FYI", "TBC", "TBD", "FAQ",
    "SME", "PMO", "TPM", "SRE", "DBA", "SEO", "CRM", "ERP", "BDM", "SDR", "CSM", "PMM", "API",
    "DEV", "OPS", "FIN", "LEG", "OOO", "WFH", "PTO", "AOB", "NDA", "POC", "MVP", "ROI", "RFP",
    "SOW", "TOR", "CPD", "LND", "ALL", "AND", "THE", "FOR", "NOT", "YOU", "NEW", "ANY",
))
_INITIALS = re.compile(r"(?:[A-Z]\.?){2,3}")
# A person's addresses: one, or every one they are known by (their primary first, then
# their aliases: PersonRecord.addresses).
Addresses = str | tuple[str, ...]
_INITIALLED = re.compile(r"(\w)\.?\s*(\w.*)")


def resolve_owner(raw: str, manager_name: str, report_name: str,
                  given_names: tuple[str, str] = ("", ""), *,
                  emails: tuple[Addresses, Addresses] = ("", ""),
                  mentions: LineMentions = NO_MENTIONS,
                  former: bool = False) -> str | None:
    """The owner's full name for a known person or pronoun; None if not one of the pair.

    A person is known by their full name, the first name the agenda calls them
    (``first_name``) or their given name (``given_names``: the manager's and the report's
    from the directory, "": none), unless the other of the pair goes by that name too; by
    a mention on the line (``mentions``) of any of their addresses (``emails``: the
    manager's and the report's, each one address or all they are known by, compared
    ignoring case: an alias in Exchange is theirs as their primary address is), whatever
    name it shows - one of someone else's address is never one of the pair; by a name
    typed with an "@" in front as by the name; and by a family name or initials that are
    one of the pair's only (module notes). ``former``: as the release before these last
    forms read it (``notes``: what a re-read compares with)."""
    if not former:
        picked = mentions.address(raw)
        known = [_known(addresses) for addresses in emails]
        if picked is not None and any(known):
            return (manager_name if picked in known[0] else
                    report_name if picked in known[1] else None)
    text = SPACE.sub(" ", raw.strip(" .,;:*_"))
    if not former:
        text = text.removeprefix("@").strip()  # a mention typed, or its picker dismissed
    key = fold(text)
    if key in _MANAGER_WORDS:
        return manager_name
    if key in _REPORT_WORDS:
        return report_name
    if key == fold(SPACE.sub(" ", manager_name.strip())):
        return manager_name
    if key == fold(SPACE.sub(" ", report_name.strip())):
        return report_name
    firsts = pair_first_names(manager_name, report_name, given_names)
    # The name the agenda calls someone (shown) wins over the other's given name the
    # display name does not show (a legal "Robert" for "Bob Smith" is not Robert Jones's).
    shown = (fold(firsts[0]), fold(firsts[1]))
    if key == shown[0] and key != shown[1]:
        return manager_name
    if key == shown[1] and key != shown[0]:
        return report_name
    manager = {fold(n) for n in (firsts[0], given_names[0]) if n.strip()}
    report = {fold(n) for n in (firsts[1], given_names[1]) if n.strip()}
    # A name both go by (two Sams) tells them apart no more: only a full name does.
    if key in manager and key not in report:
        return manager_name
    if key in report and key not in manager:
        return report_name
    if former or not key:
        return None
    people = ((manager_name, given_names[0]), (report_name, given_names[1]))
    for names in (_by_family_name, _by_initialled_name, _by_initials):
        hits = [name for name, given in people if names(text, key, name, given)]
        if hits:  # one of the two only; both: neither
            return hits[0] if len(hits) == 1 else None
    return None


def _known(addresses: Addresses) -> frozenset[str]:
    """One person's addresses as a mention's are compared (``mentions.address``)."""
    listed = (addresses,) if isinstance(addresses, str) else addresses
    return frozenset(a.strip().casefold() for a in listed if a.strip())


def _family_keys(name: str, given: str) -> set[str]:
    """The family name ``name`` shows, whole and its last word ("van der berg", "berg"),
    folded; none that is a date's word."""
    family = family_name(name, given)
    if not family:
        return set()
    return {fold(family), fold(family.split()[-1])} - _DATE_WORDS


def _by_family_name(_text: str, key: str, name: str, given: str) -> bool:
    """"Jones" for Alex Jones."""
    return key in _family_keys(name, given)


def _by_initialled_name(_text: str, key: str, name: str, given: str) -> bool:
    """"A. Jones", "A Jones" for Alex Jones (the initial of the first name they go by)."""
    m = _INITIALLED.fullmatch(key)
    if m is None or m.group(2) not in _family_keys(name, given):
        return False
    firsts = (first_name(name, given), given)
    return any(fold(first[:1]) == m.group(1) for first in firsts if first.strip())


def _by_initials(text: str, _key: str, name: str, given: str) -> bool:
    """"AJ" or "A.J." for Alex Jones (in capitals, as written; "MAS" or "MS" for Mary Ann
    Smith), unless the letters are an office's abbreviation (module notes)."""
    letters = text.replace(".", "")
    if not _INITIALS.fullmatch(text) or letters in _NOT_INITIALS:
        return False
    return letters in _initials(name, given)


def _initials(name: str, given: str) -> set[str]:
    family = family_name(name, given).split()
    first = first_name(name, given)
    if not family or not first:
        return set()
    firsts = {first[:1], "".join(w[:1] for w in re.split(r"[\s-]+", first) if w)}
    lasts = {family[-1][:1], "".join(w[:1] for w in family if w[:1].isupper())}
    return {(f + last).upper() for f in firsts for last in lasts if 2 <= len(f + last) <= 3}

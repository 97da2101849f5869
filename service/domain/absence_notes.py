"""One note per long absence, however its dates are edited in Outlook.

The manager's note about a long absence was keyed by its first day, so leave edited to start
earlier (or later) was a new first day, and a second note went about the same absence. Each
note's span is now kept (``NotedAbsence``, by manager and person away), and a run of absent
days is *the same absence* as a noted one when their days overlap, or touch with only days
between that would bridge one run (weekends, days the person doesn't work, holidays): booked
together, Outlook would have shown them as one run. Then no new note goes; the kept span
follows the calendar. Only a run that is not the same absence gets a note of its own.

One change is worth a word to the manager: an absence now going on past the last day the
note gave. Her 1-2-1s after it were to carry on as usual, and now are left alone too, with
no agenda: she gets one short update naming the new end (once per end: the key says which).
Nothing goes when the leave starts earlier or later, or ends sooner (the note told her the
meetings in it are left alone; those now outside it just go ahead), nor when the note gave
its end as "at least" a day (one read further finding it longer is what it said).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from service.domain.absence import Absence


@dataclass(frozen=True)
class NotedAbsence:
    """A long absence the manager was told of: whose (``person_id``, away) to which manager,
    its span as last read, and the outbox key of the note (which names it for good)."""

    key: str
    manager_id: str
    person_id: str
    first: date
    last: date
    open_after: bool = False


@dataclass(frozen=True)
class NoteStep:
    """What a meeting inside a long absence does about its note: keep ``noted`` as it now
    reads (new or changed), and queue ``mail`` ("note" or "longer") under ``mail_key``."""

    noted: NotedAbsence
    mail: str | None = None
    mail_key: str | None = None


def note_key(manager_id: str, person_id: str, absence: Absence) -> str | None:
    """The outbox key of the first note about ``absence``, None when none is to go: a run
    that began over a year before the meeting (``open_before``) was noted by a meeting inside
    it then. (As keyed before spans were kept, so an absence noted then is not noted again.)"""
    if absence.open_before:
        return None
    digest = hashlib.sha256(f"{manager_id}|{person_id}|{absence.first}".encode())
    return f"absence:{digest.hexdigest()[:40]}"


def _touch(a_last: date, b_first: date, bridges: Callable[[date], bool]) -> bool:
    """Whether a run ending ``a_last`` and one starting ``b_first`` after it touch: every
    day between them bridges (at most a fortnight's worth is looked at)."""
    gap = (b_first - a_last).days - 1
    return 0 <= gap <= 14 and all(bridges(a_last + timedelta(days=n)) for n in range(1, gap + 1))


def same_absence(noted: NotedAbsence, absence: Absence, bridges: Callable[[date], bool]
                 ) -> bool:
    """Whether ``absence`` is ``noted`` (as edited since): overlapping or touching days."""
    if absence.first <= noted.last and noted.first <= absence.last:
        return True
    if absence.open_before and absence.last >= noted.first:
        return True  # began before what was read: its first day is not known to be later
    return (_touch(noted.last, absence.first, bridges)
            or _touch(absence.last, noted.first, bridges))


def note_step(noted: Sequence[NotedAbsence], manager_id: str, person_id: str,
              absence: Absence, bridges: Callable[[date], bool]) -> NoteStep | None:
    """What to do about the note of ``absence`` (``person_id``'s, to ``manager_id``), given
    the absences of theirs already ``noted`` to her; None: nothing (noted as it reads).
    ``bridges``: whether a day of the person's joins a run without counting."""
    same = [n for n in noted if (n.manager_id, n.person_id) == (manager_id, person_id)
            and same_absence(n, absence, bridges)]
    if not same:
        key = note_key(manager_id, person_id, absence)
        if key is None:
            return None
        return NoteStep(NotedAbsence(key, manager_id, person_id, absence.first, absence.last,
                                     absence.open_after), "note", key)
    was = min(same, key=lambda n: n.first)
    first = was.first if absence.open_before else absence.first
    # An end read as "at least" a day only says so much: one read further may go on longer.
    last = max(was.last, absence.last) if absence.open_after else absence.last
    now = replace(was, first=first, last=last,
                  open_after=absence.open_after if last == absence.last else was.open_after)
    if now == was:
        return None
    if was.open_after or last <= was.last:
        return NoteStep(now)
    digest = hashlib.sha256(f"{was.key}|{last}".encode())
    return NoteStep(now, "longer", f"absence:{digest.hexdigest()[:40]}")

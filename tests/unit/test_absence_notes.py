"""Which long absence is the same one already noted to a manager (domain/absence_notes.py)."""

from __future__ import annotations

from datetime import date

from service.domain.absence import Absence
from service.domain.absence_notes import NotedAbsence, note_key, note_step


def _weekend(day: date) -> bool:
    return day.weekday() >= 5


def _run(first: date, last: date, *, open_after: bool = False) -> Absence:
    return Absence("Rob", first, last, 15, open_after=open_after)


NOTED = NotedAbsence("absence:k", "mia", "rob", date(2027, 2, 22), date(2027, 3, 12))


def test_a_new_absence_gets_its_note_under_the_first_days_key() -> None:
    """Nothing noted: one note, keyed as notes always were (by its first day)."""
    run = _run(date(2027, 2, 22), date(2027, 3, 12))
    step = note_step([], "mia", "rob", run, _weekend)
    assert step is not None and step.mail == "note"
    assert step.mail_key == note_key("mia", "rob", run) == step.noted.key


def test_an_edit_that_starts_it_earlier_or_ends_it_sooner_sends_nothing() -> None:
    """Overlapping days: the same absence; its span is kept as read, and no mail goes."""
    for run in (_run(date(2027, 2, 15), date(2027, 3, 12)),
                _run(date(2027, 3, 1), date(2027, 3, 5))):
        step = note_step([NOTED], "mia", "rob", run, _weekend)
        assert step is not None and step.mail is None and step.noted.key == NOTED.key
        assert (step.noted.first, step.noted.last) == (run.first, run.last)
    assert note_step([NOTED], "mia", "rob", _run(NOTED.first, NOTED.last), _weekend) is None


def test_leave_moved_to_just_after_a_weekend_is_the_same_absence() -> None:
    """Moved to begin the Monday after it ended: only a weekend between, so the same one."""
    step = note_step([NOTED], "mia", "rob", _run(date(2027, 3, 15), date(2027, 3, 26)),
                     _weekend)
    assert step is not None and step.noted.key == NOTED.key and step.mail == "longer"


def test_leave_a_working_week_later_is_a_new_absence() -> None:
    """A working day in between: a new absence, with a note of its own."""
    step = note_step([NOTED], "mia", "rob", _run(date(2027, 3, 16), date(2027, 4, 2)),
                     _weekend)
    assert step is not None and step.mail == "note" and step.noted.key != NOTED.key


def test_an_end_said_to_be_at_least_a_day_read_further_sends_no_update() -> None:
    """A note that gave its end as "at least" a day: a later read finding more says nothing
    new; a note that gave a real end, then read later, gets one update keyed by its end."""
    open_note = NotedAbsence("absence:k", "mia", "rob", NOTED.first, NOTED.last, True)
    longer = _run(NOTED.first, date(2027, 4, 30))
    quiet = note_step([open_note], "mia", "rob", longer, _weekend)
    assert quiet is not None and quiet.mail is None and not quiet.noted.open_after
    told = note_step([NOTED], "mia", "rob", longer, _weekend)
    again = note_step([NOTED], "mia", "rob", longer, _weekend)
    assert told is not None and again is not None and told.mail == "longer"
    assert told.mail_key == again.mail_key != NOTED.key


def test_another_managers_note_is_not_this_ones() -> None:
    """Bea's note about Mia's leave is not Mia's own: each manager is told once."""
    step = note_step([NOTED], "bea", "rob", _run(NOTED.first, NOTED.last), _weekend)
    assert step is not None and step.mail == "note"

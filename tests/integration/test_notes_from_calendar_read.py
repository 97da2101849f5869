"""The notes of a meeting read back from the read of its manager's calendar made as they fall
due (calendarView/delta lists an exception, which every meeting with an agenda is, in full),
with no read of the event: typed notes from the listing, an untouched agenda from knowing it
did not change (read on its own all the same when nothing else says it was held). Notes
typed before a read that then does not list the meeting again (typed the day before, or
during the meeting) are never taken for an untouched agenda."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from service.store.calendar_delta import DeltaRepository
from tests.integration.test_mail import Scenario

MINUTE = timedelta(minutes=1)


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'seen.db'}"))


def event_reads(s: Scenario) -> int:
    return s.tenant.count("GET", rf"/events/{s.occ.event_id}$")


def calendar_reads(s: Scenario) -> int:
    return s.tenant.count("GET", r"/calendarView/delta$")


def eve(s: Scenario) -> None:
    """The tick that reads Mia's calendar as Rob's meeting comes within a day."""
    s.tenant.reset_counters()
    s.at(s.occ.start - timedelta(hours=20))
    assert calendar_reads(s) == 1


def test_notes_typed_after_the_meeting_come_with_the_calendar_read(scenario: Scenario
                                                                   ) -> None:
    s = scenario
    eve(s)
    s.type_notes()
    s.tenant.reset_counters()
    s.after_meeting()
    assert (calendar_reads(s), event_reads(s)) == (1, 0)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held"
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]
    assert [a.text for a in s.store.open_actions(s.rob.pairing.id)] == ["send the plan"]
    (summary,) = s.summaries()
    assert "send the plan" in summary["body"]["content"]


def test_an_untouched_agenda_with_notes_added_by_command_is_known_without_reading_it(
        scenario: Scenario) -> None:
    """The read does not list the meeting again: its agenda is as written, and the notes
    added with `onetoone notes add` make it held, with no read of the event."""
    s = scenario
    eve(s)
    s.store.add_note(s.rob.pairing.id, s.occ.id, "Went through the plan", private=False,
                     now=s.occ.end)
    s.tenant.reset_counters()
    s.after_meeting()
    assert (calendar_reads(s), event_reads(s)) == (1, 0)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held" and occ.captured_at is not None


def test_an_untouched_agenda_is_read_on_its_own_before_it_is_taken_for_no_notes(
        scenario: Scenario) -> None:
    """Nothing typed, nothing added: the meeting is read on its own (a meeting deleted in
    Outlook may leave no trace in a read of the changes), then found held without notes."""
    s = scenario
    eve(s)  # lists the meeting with its agenda as written
    s.tenant.reset_counters()
    s.after_meeting()
    assert (calendar_reads(s), event_reads(s)) == (1, 1)  # the read does not list it again
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held_no_notes" and occ.captured_at is not None
    assert s.store.notes(s.occ.id) == [] and s.summaries() == []
    # Notes typed later are still read: the next read of her calendar lists the meeting.
    s.type_notes()
    s.tenant.reset_counters()
    s.after_meeting(hours=25)  # the day-after read (no summary yet: it is not waited for)
    assert (calendar_reads(s), event_reads(s)) == (1, 0)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held"
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]


def test_notes_typed_the_day_before_are_read_though_the_read_after_does_not_list_them(
        scenario: Scenario) -> None:
    """Mia prepares notes in the agenda before the meeting; the eve read lists that edit, and
    nothing changes after. The read as the notes fall due does not list the meeting, and its
    notes are read from the event, not assumed to be the untouched agenda."""
    s = scenario
    s.type_notes()  # before the eve read
    eve(s)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.changed_at is not None  # the read saw something typed
    s.tenant.reset_counters()
    s.after_meeting()
    assert (calendar_reads(s), event_reads(s)) == (1, 1)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held"
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]
    assert len(s.summaries()) == 1


def test_notes_typed_during_the_meeting_and_seen_by_a_read_then_are_not_lost(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read of Mia's calendar made while the meeting is on (for another of her meetings:
    here, made so by asking for it) lists the notes she is typing; the read after it ends
    does not list the meeting again. The first read marked it, so its notes are read."""
    import service.jobs.occurrences as occurrences

    s = scenario
    eve(s)
    s.type_notes()
    real = occurrences.read_backs_now
    (mailbox,) = DeltaRepository(s.store.engine).delta_links()  # Mia's calendar

    def with_rob(ctx, now):  # Mia's calendar is read now, as for a meeting of hers
        again, firsts = real(ctx, now)
        return again, firsts or [(s.store.occurrence(s.occ.id), mailbox)]

    monkeypatch.setattr(occurrences, "read_backs_now", with_rob)
    s.tenant.reset_counters()
    s.at(s.occ.start + timedelta(minutes=15))
    assert calendar_reads(s) == 1 and event_reads(s) == 0  # the meeting is on: no read
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.changed_at is not None  # it saw something typed
    monkeypatch.setattr(occurrences, "read_backs_now", real)
    s.tenant.reset_counters()
    s.after_meeting()
    assert calendar_reads(s) == 1 and event_reads(s) == 1
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held"


def test_when_the_calendar_cannot_be_read_the_meeting_is_read_on_its_own(
        scenario: Scenario) -> None:
    s = scenario
    eve(s)
    s.type_notes()
    s.tenant.reset_counters()
    s.tenant.inject_fault("GET", r"/calendarView/delta", 503, times=20)
    s.after_meeting()
    assert event_reads(s) == 1
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]


def test_a_meeting_never_seen_by_a_read_is_listed_whole_and_read_from_it(
        scenario: Scenario) -> None:
    """No read of Mia's calendar since the agenda went in (or Graph forgot the last one): the
    read as the notes fall due lists the whole window, the meeting with it."""
    s = scenario
    eve(s)
    (mailbox,) = DeltaRepository(s.store.engine).delta_links()  # Mia's calendar
    DeltaRepository(s.store.engine).forget_delta_link(mailbox)
    s.tenant.reset_counters()
    s.after_meeting()
    assert (calendar_reads(s), event_reads(s)) == (1, 0)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held_no_notes"


def test_notes_typed_into_an_agenda_a_run_wrote_but_did_not_record_are_read(
        scenario: Scenario) -> None:
    """A run wrote the agenda and died before recording it; Mia then types into it. The
    next run's read lists the meeting (still pending, but with the fingerprint of what was
    written) and its agenda step keeps her words, recording the agenda as written: neither
    lets the meeting pass for an untouched agenda later."""
    s = scenario
    s.store.update_occurrence(s.occ.id, s.occ.start - timedelta(days=3),
                              agenda_state="pending")
    s.type_notes()
    eve(s)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.agenda_state == "injected" and occ.changed_at is not None
    s.tenant.reset_counters()
    s.after_meeting()
    assert event_reads(s) == 1
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]


def test_a_read_racing_another_runs_read_back_has_the_meeting_read_again(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers. B reads Mia's calendar as Rob's notes fall due and reads the meeting back
    as untouched; Mia then types; A, whose run began a little before B's, reads her calendar
    after that (it found the meeting not read back when it looked) and lists her notes. A's
    read marks the meeting changed later than B's read-back, so it is read again."""
    import service.jobs.occurrences as occurrences

    s = scenario
    eve(s)
    b_now = s.occ.end + timedelta(hours=1)
    s.at(b_now)  # worker B
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held_no_notes"
    stale = occ.__class__(**{**occ.__dict__, "captured_at": None})
    s.type_notes()
    (mailbox,) = DeltaRepository(s.store.engine).delta_links()
    # What A found when it looked, before B had read the meeting back or kept its link.
    real = occurrences.read_backs_now
    monkeypatch.setattr(occurrences, "read_backs_now",
                        lambda ctx, now: (real(ctx, now)[0], [(stale, mailbox)]))
    monkeypatch.setattr(occurrences, "unread_since_due", lambda ctx, firsts, links: firsts)
    s.at(b_now - timedelta(minutes=2))  # worker A, its run begun before B's
    monkeypatch.undo()
    s.after_meeting(hours=2)
    occ = s.store.occurrence(s.occ.id)
    assert occ is not None and occ.status == "held"
    assert [n.text for n in s.store.notes(s.occ.id)] == ["Confidential-ish but shared: went well"]


def test_notes_read_from_the_meeting_then_from_the_listing_read_the_same(
        scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """The calendar read fails as the notes fall due, so the meeting is read on its own;
    later the manager adds a line below the notes, and a later calendar read lists the
    meeting.
    Both reads are turned into text by onetoone, never by Exchange (whose text rendering
    differs from ours: a link's address after its text, as the patched sandbox's does
    here), so the notes read the same:
    no new version of them, no action withdrawn and added again."""
    from service.domain.htmltext import html_to_text

    def exchange_text(html: str) -> str:  # a link's address follows its text, in []
        return html_to_text(re.sub(r'<a href="([^"]*)">([^<]*)</a>', r"\2 [\1]", html))

    monkeypatch.setattr("service.sandbox.calendar.html_to_text", exchange_text)
    s = scenario
    eve(s)
    s.type_notes()
    body = s.tenant.person_body("mia@contoso.example", s.occ.event_id)
    s.tenant.person_edit_body("mia@contoso.example", s.occ.event_id, body.replace(
        "shared: went well", 'shared: went well, see <a href="https://contoso.example/plan">'
        "the plan</a>"))
    s.tenant.reset_counters()
    s.tenant.inject_fault("GET", r"/calendarView/delta", 503, times=20)
    s.after_meeting()
    assert event_reads(s) == 1  # read on its own
    first = s.store.occurrence(s.occ.id)
    assert first is not None and first.status == "held" and first.captured_fingerprint
    notes = [n.text for n in s.store.notes(s.occ.id)]
    assert len(notes) == 1 and notes[0].startswith("Confidential-ish but shared: went well, see "
                                                   "the plan")
    actions = [(a.id, a.text) for a in s.store.open_actions(s.rob.pairing.id)]
    assert [what for _id, what in actions] == ["send the plan"]

    body = s.tenant.person_body("mia@contoso.example", s.occ.event_id)
    s.tenant.person_edit_body("mia@contoso.example", s.occ.event_id,
                              body.replace("</body>", "<p>Room 4 next time</p></body>"))
    s.tenant.reset_counters()
    for half_days in range(1, 21):  # the worker's runs over the next ten days
        s.after_meeting(hours=1 + 12 * half_days)
    assert calendar_reads(s) >= 1 and event_reads(s) == 0  # read from a listing
    again = s.store.occurrence(s.occ.id)
    assert again is not None and again.captured_at is not None
    assert again.captured_at > first.captured_at  # read again, ...
    assert again.captured_fingerprint == first.captured_fingerprint  # ... the same notes
    with s.store.engine.connect() as db:
        versions = db.execute(text("SELECT count(*) FROM note_versions WHERE occurrence_id = "
                                   ":o"), {"o": s.occ.id}).scalar_one()
    assert versions == 1
    assert [(a.id, a.text) for a in s.store.open_actions(s.rob.pairing.id)] == actions
    assert [n.text for n in s.store.notes(s.occ.id)] == notes

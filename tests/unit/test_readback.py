"""When a meeting's notes are read back, and when a read of the calendar vouches for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.readback import (
    BEFORE_NEXT_AGENDA,
    LAST_WAIT,
    RECHECK,
    SUMMARY_OUT_WAIT,
    ReadBack,
    known_not_held,
    owed,
    reach,
    read_back,
    read_late,
)
from service.domain.records import OccurrenceRecord
from service.domain.status import OccurrenceStatus

END = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=60)
WEEK = timedelta(days=7)


def meeting(**fields) -> OccurrenceRecord:
    base = {"series_id": 1, "event_id": "e", "original_start": END - timedelta(minutes=30),
            "start": END - timedelta(minutes=30), "end": END,
            "status": OccurrenceStatus.HELD}
    return OccurrenceRecord(**{**base, **fields})


def decide(occ: OccurrenceRecord, now: datetime, read_at: datetime | None = None) -> ReadBack:
    return read_back(occ, now, GRACE, WEEK, read_at)


def test_the_first_read_waits_for_the_grace_period_then_never_for_a_calendar_read() -> None:
    occ = meeting(status=OccurrenceStatus.SCHEDULED)
    assert decide(occ, END + GRACE - timedelta(seconds=1)) == ReadBack.NONE
    assert decide(occ, END + GRACE, read_at=END + GRACE) == ReadBack.READ


def test_a_cancelled_meeting_is_never_read() -> None:
    occ = meeting(status=OccurrenceStatus.CANCELLED)
    assert decide(occ, END + 2 * WEEK) == ReadBack.NONE


def test_the_day_after_read_is_made_at_once_unless_a_calendar_read_since_vouches() -> None:
    # Read back without notes: this read decides the reminder, so it does not wait.
    occ = meeting(captured_at=END + GRACE, status=OccurrenceStatus.HELD_NO_NOTES)
    assert decide(occ, END + RECHECK - timedelta(minutes=1)) == ReadBack.NONE
    assert decide(occ, END + RECHECK) == ReadBack.READ
    assert decide(occ, END + RECHECK, read_at=END + RECHECK - timedelta(minutes=1)) == (
        ReadBack.READ)  # a calendar read before the mark vouches for nothing after it
    assert decide(occ, END + RECHECK + timedelta(hours=1),
                  read_at=END + RECHECK) == ReadBack.VOUCHED


def test_with_its_summary_out_the_day_after_read_waits_for_a_calendar_read() -> None:
    occ = meeting(captured_at=END + GRACE)  # held, with notes: the summary went out
    assert decide(occ, END + RECHECK) == ReadBack.NONE
    assert decide(occ, END + RECHECK + SUMMARY_OUT_WAIT - timedelta(minutes=1)) == (
        ReadBack.NONE)
    assert decide(occ, END + RECHECK + timedelta(days=1),
                  read_at=END + RECHECK + timedelta(hours=20)) == ReadBack.VOUCHED
    assert decide(occ, END + RECHECK + SUMMARY_OUT_WAIT) == ReadBack.READ
    for status in (OccurrenceStatus.HELD_NO_NOTES, OccurrenceStatus.DECLINED):
        assert decide(meeting(captured_at=END + GRACE, status=status),
                      END + RECHECK) == ReadBack.READ


def test_the_waits_end_before_the_agenda_the_re_reads_feed_is_written() -> None:
    """A re-read that waits is still made before the next agenda that carries what it reads:
    the day-after one before a weekly 1-2-1's, the last one before a fortnightly's, for a
    meeting on any working day, ending as late as 20:00 (agendas go two working days ahead)."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from service.domain.timing import agenda_due_at

    zone, days = ZoneInfo("Europe/London"), frozenset({0, 1, 2, 3, 4})
    for day in range(7, 12):  # Monday 7 to Friday 11 December 2026
        start = datetime.combine(date(2026, 12, day), datetime.min.time(), tzinfo=zone).replace(
            hour=19, minute=30)
        end = start + timedelta(minutes=30)
        assert end + RECHECK + SUMMARY_OUT_WAIT < agenda_due_at(start + WEEK, 2, days)
        assert end + WEEK + LAST_WAIT < agenda_due_at(start + 2 * WEEK, 2, days)


def test_the_last_read_waits_for_a_calendar_read_then_is_made_on_its_own() -> None:
    occ = meeting(captured_at=END + RECHECK)
    assert decide(occ, END + WEEK) == ReadBack.NONE
    assert decide(occ, END + WEEK + LAST_WAIT - timedelta(minutes=1)) == ReadBack.NONE
    assert decide(occ, END + WEEK + timedelta(days=1), read_at=END + WEEK) == ReadBack.VOUCHED
    assert decide(occ, END + WEEK + LAST_WAIT) == ReadBack.READ
    assert reach(WEEK) > WEEK + LAST_WAIT  # still inside what the job looks at


def test_an_edit_a_calendar_read_saw_is_read_at_once_between_the_marks() -> None:
    occ = meeting(captured_at=END + RECHECK, changed_at=END + 3 * RECHECK)
    assert decide(occ, END + 3 * RECHECK, read_at=END + 3 * RECHECK) == ReadBack.READ
    read = meeting(captured_at=END + 3 * RECHECK, changed_at=END + 3 * RECHECK)
    assert decide(read, END + 3 * RECHECK + timedelta(hours=1)) == ReadBack.NONE


def test_a_re_read_that_cannot_wait_is_owed_even_after_an_edit_it_already_read() -> None:
    """The calendar is read for a re-read that can wait no longer; an edit a calendar read
    saw before the meeting was read back is past (it does not excuse the re-read), one seen
    since makes the meeting read at once instead (nothing owed)."""
    occ = meeting(captured_at=END + GRACE, status=OccurrenceStatus.HELD_NO_NOTES,
                  changed_at=END + timedelta(minutes=30))
    assert not owed(occ, END + RECHECK - timedelta(minutes=1), GRACE, WEEK, None)
    assert owed(occ, END + RECHECK, GRACE, WEEK, None)
    assert not owed(occ, END + RECHECK, GRACE, WEEK, END + RECHECK)  # vouched
    edited = meeting(captured_at=END + GRACE, status=OccurrenceStatus.HELD_NO_NOTES,
                     changed_at=END + 2 * GRACE)
    assert not owed(edited, END + RECHECK, GRACE, WEEK, None)


def test_after_a_long_stop_every_passed_mark_is_vouched_by_one_calendar_read_or_read() -> None:
    occ = meeting(captured_at=END + GRACE)
    late = END + WEEK + timedelta(hours=1)
    assert decide(occ, late) == ReadBack.READ  # the day-after mark's read is overdue
    assert decide(occ, late, read_at=END + RECHECK) == ReadBack.READ  # not after both marks
    assert decide(occ, late, read_at=END + WEEK) == ReadBack.VOUCHED


# -- what a read of the calendar says of a meeting not read back yet ------------------------

def _html(*lines: str) -> str:
    from service.domain.body import END, START

    return "".join(f"<p>{line}</p>" for line in (START, *lines, END)) + "<p>Join on Teams</p>"


def _written(html: str) -> str:
    from service.domain.body import block_text, fingerprint
    from service.domain.htmltext import html_to_text

    text = block_text(html_to_text(html))
    assert text is not None
    return fingerprint(text)


AGENDA = _html("How are you?", "Notes:", "Actions agreed:")
WINDOW = (END - timedelta(days=10), END + timedelta(days=16))


def _event(body: str = AGENDA, kind: str = "exception"):
    from service.domain.events import CalendarEvent

    return CalendarEvent(id="e", type=kind, body=body)


def _read(events=(), removed=(), full=False, window=WINDOW):
    from service.domain.readback import CalendarRead

    return CalendarRead({e.id: e for e in events}, frozenset(removed), full, *window)


def _unread(**fields) -> OccurrenceRecord:
    return meeting(**{"status": OccurrenceStatus.SCHEDULED, "agenda_state": "injected",
                      "agenda_fingerprint": _written(AGENDA), **fields})


def test_a_read_vouches_only_for_a_meeting_in_its_window_it_lists_neither_way() -> None:
    occ = _unread()
    assert _read().vouches_unchanged(occ)
    assert not _read(events=[_event()]).vouches_unchanged(occ)  # changed: listed
    assert not _read(removed=["e"]).vouches_unchanged(occ)
    assert not _read(full=True).vouches_unchanged(occ)  # a whole read lists all it holds
    assert not _read(window=(END, END + timedelta(days=9))).vouches_unchanged(occ)


def test_a_listed_meeting_is_used_with_its_body_unless_delta_left_the_body_out() -> None:
    occ = _unread()
    assert _read(events=[_event()]).listed(occ) == _event()
    assert _read(events=[_event(kind="occurrence")]).listed(occ) is None  # untouched: no body
    assert _read().listed(occ) is None


def test_an_agenda_is_as_written_until_something_is_typed_in_it() -> None:
    from service.domain.readback import block_as_written

    occ = _unread()
    assert block_as_written(_event(), occ)
    assert block_as_written(_event(AGENDA.replace("<p>Join", "<p>Room 4</p><p>Join")), occ)
    assert not block_as_written(_event(_html("How are you?", "Notes:", "fine, busy",
                                             "Actions agreed:")), occ)
    assert not block_as_written(_event("<p>no agenda here</p>"), occ)
    assert not block_as_written(_event(kind="occurrence"), occ)  # the agenda was dropped
    assert not block_as_written(_event(), _unread(agenda_state="pending"))


def test_only_an_untouched_agenda_no_read_saw_typed_in_is_taken_as_no_notes() -> None:
    from service.domain.readback import as_written

    occ = _unread()
    assert as_written(occ, _read())
    assert not as_written(occ, None)  # no read of the calendar this run
    assert not as_written(occ, _read(events=[_event()]))  # listed: read from the listing
    assert not as_written(_unread(changed_at=END - timedelta(days=1)), _read())
    assert not as_written(_unread(captured_at=END + GRACE), _read())
    assert not as_written(_unread(agenda_state="skipped"), _read())
    assert not as_written(_unread(agenda_fingerprint=None), _read())


# -- how long a re-read whose summary is out may wait: until shortly before the next agenda --

def test_a_monthly_meetings_day_after_read_waits_until_the_last_reads_deadline() -> None:
    occ = meeting(captured_at=END + GRACE)  # held, summary out
    next_agenda = END + 20 * RECHECK  # a monthly 1-2-1's next agenda, weeks away

    def later(now: datetime, read_at: datetime | None = None) -> ReadBack:
        return read_back(occ, now, GRACE, WEEK, read_at, next_agenda)

    assert later(END + RECHECK + SUMMARY_OUT_WAIT) == ReadBack.NONE  # the fixed wait is past
    assert later(END + WEEK + timedelta(days=1)) == ReadBack.NONE  # both marks passed now
    assert later(END + WEEK + timedelta(days=1), read_at=END + WEEK) == ReadBack.VOUCHED
    # A read between the marks vouches for the first only: the last one still waits.
    assert later(END + WEEK + timedelta(days=1), read_at=END + 3 * RECHECK) == ReadBack.NONE
    assert later(END + WEEK + LAST_WAIT) == ReadBack.READ  # one read for both, in reach
    assert reach(WEEK) > WEEK + LAST_WAIT


def test_the_wait_ends_shortly_before_a_next_agenda_that_comes_sooner() -> None:
    occ = meeting(captured_at=END + GRACE)
    soon = END + 4 * RECHECK
    assert read_back(occ, soon - BEFORE_NEXT_AGENDA - timedelta(minutes=1), GRACE, WEEK,
                     None, soon) == ReadBack.NONE
    assert read_back(occ, soon - BEFORE_NEXT_AGENDA, GRACE, WEEK, None, soon) == ReadBack.READ
    # Never sooner than the fixed wait, nor for a meeting without notes (its reminder).
    assert read_back(occ, END + RECHECK + SUMMARY_OUT_WAIT, GRACE, WEEK, None,
                     END + RECHECK) == ReadBack.READ
    assert read_back(occ, END + RECHECK + SUMMARY_OUT_WAIT - timedelta(minutes=1), GRACE, WEEK,
                     None, END + RECHECK) == ReadBack.NONE
    bare = meeting(captured_at=END + GRACE, status=OccurrenceStatus.HELD_NO_NOTES)
    assert read_back(bare, END + RECHECK, GRACE, WEEK, None, END + 20 * RECHECK) == (
        ReadBack.READ)


def test_every_cadence_weekday_and_lead_makes_the_re_read_before_the_next_agenda() -> None:
    """With the pattern's next agenda (``next_agenda_due``), the day-after re-read of a
    meeting whose summary is out is made before that agenda is written, for every cadence,
    working day, lead time and a meeting ending as late as 20:00; and it waits at least as
    long as before."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from service.domain.readback import day_after_deadline
    from service.domain.records import SeriesRecord
    from service.domain.series import next_agenda_due, occurrences
    from service.domain.timing import agenda_due_at

    zone, days = ZoneInfo("Europe/London"), frozenset({0, 1, 2, 3, 4})
    waited = []
    for cadence, index in (("weekly", None), ("fortnightly", None), ("monthly", "first"),
                           ("monthly", "last")):
        for weekday in range(5):
            for lead in (1, 2, 5):
                series = SeriesRecord(
                    id=1, pairing_id=1, mailbox="m", transaction_id="t", cadence=cadence,
                    minutes=30, weekday=weekday, week_index=index, start_time="19:30",
                    time_zone="Europe/London", first_date=date(2026, 12, 1),
                    range_end=date(2027, 1, 31), created_at=END, updated_at=END)
                # The last meeting before the range end: the series is extended past it.
                slots = occurrences(series, END, END + 9 * WEEK)
                start, end = slots[-1]
                occ = meeting(start=start, original_start=start, end=end,
                              captured_at=end + GRACE)
                due = next_agenda_due(series, occ, lead_working_days=lead, working_days=days)
                assert due is not None
                later = next(s for s, _e in occurrences(series, start, start + 6 * WEEK,
                                                        open_ended=True) if s > start)
                assert due == agenda_due_at(later.astimezone(zone), lead, days)
                deadline = day_after_deadline(occ, WEEK, due)
                assert deadline >= end + RECHECK + SUMMARY_OUT_WAIT
                if end + RECHECK + SUMMARY_OUT_WAIT < due:
                    assert deadline < due, (cadence, weekday, lead)
                waited.append(deadline - end)
    assert max(waited) == WEEK + LAST_WAIT  # a monthly one waits with the last re-read


def test_a_waiting_re_read_is_looked_at_again_only_when_it_can_wait_no_longer() -> None:
    from service.domain.readback import waiting_until

    occ = meeting(captured_at=END + GRACE)  # held, summary out
    monthly, weekly = END + 20 * RECHECK, END + 3 * RECHECK
    assert waiting_until(occ, END + RECHECK - timedelta(minutes=1), WEEK, monthly) is None
    # At least daily (the next agenda may come nearer), else when it can wait no longer.
    assert waiting_until(occ, END + RECHECK, WEEK, monthly) == END + 2 * RECHECK
    assert waiting_until(occ, END + WEEK, WEEK, monthly) == END + WEEK + RECHECK
    assert waiting_until(occ, END + WEEK + RECHECK, WEEK, monthly) == END + WEEK + LAST_WAIT
    assert waiting_until(occ, END + 2 * RECHECK, WEEK, weekly) == weekly - BEFORE_NEXT_AGENDA
    assert waiting_until(occ, END + RECHECK, WEEK, None) == END + RECHECK + SUMMARY_OUT_WAIT
    last = meeting(captured_at=END + 2 * RECHECK)  # only the last re-read is left
    assert waiting_until(last, END + WEEK + RECHECK, WEEK, monthly) == END + WEEK + LAST_WAIT
    assert waiting_until(meeting(status=OccurrenceStatus.SCHEDULED), END + WEEK, WEEK,
                         None) is None  # not read back yet: not a re-read


def test_the_next_agenda_is_the_live_series_one_and_the_prep_mail_comes_first() -> None:
    """The re-reads wait for what the pair's next meeting carries: by the pattern of the
    pair's live series (a new one after a cadence change), from its prep mail when that goes
    (it lists the topics still open, and goes before the agenda); none once the pair ended."""
    from dataclasses import replace
    from datetime import date
    from types import SimpleNamespace

    from service.domain.records import SeriesRecord
    from service.domain.series import next_agenda_due
    from service.jobs.notes_seen import next_agendas

    def series(cadence: str, first: date, sid: int) -> SeriesRecord:
        return SeriesRecord(id=sid, pairing_id=1, mailbox="m", transaction_id="t",
                            status="active", cadence=cadence, minutes=30, weekday=1,
                            week_index="first" if cadence == "monthly" else None,
                            start_time="11:30", time_zone="Europe/London", first_date=first,
                            range_end=date(2027, 6, 1), created_at=END, updated_at=END)

    monthly, weekly = series("monthly", date(2026, 12, 1), 1), series("weekly",
                                                                       date(2026, 12, 8), 2)
    occ = meeting(id=5, captured_at=END + GRACE)  # held on Tuesday 1 December, monthly
    days = frozenset({0, 1, 2, 3, 4})
    view = SimpleNamespace(series=weekly, pairing=SimpleNamespace(status="active"),
                           manager=SimpleNamespace(working_days=None))

    def ctx(prep: bool) -> SimpleNamespace:
        return SimpleNamespace(
            settings=SimpleNamespace(agenda=SimpleNamespace(lead_working_days=2),
                                     mail=SimpleNamespace(prep_working_days=3),
                                     sends_prep_mail=prep),
            store=SimpleNamespace(occurrence_contexts=lambda occs: {5: (monthly, view)}))

    weekly_agenda = next_agenda_due(weekly, occ, lead_working_days=2, working_days=days)
    assert next_agendas(ctx(False), [occ]) == {5: weekly_agenda}  # not the old monthly one
    assert weekly_agenda < next_agenda_due(monthly, occ, lead_working_days=2, working_days=days)
    prep = next_agenda_due(weekly, occ, lead_working_days=3, working_days=days)
    assert next_agendas(ctx(True), [occ]) == {5: prep} and prep < weekly_agenda
    view.pairing = SimpleNamespace(status="ended")
    assert next_agendas(ctx(True), [occ]) == {}
    view.pairing, view.series = SimpleNamespace(status="active"), replace(weekly,
                                                                          status="ended")
    assert next_agendas(ctx(True), [occ]) == {}
    assert next_agendas(ctx(True), [meeting(id=5, captured_at=END + GRACE,
                                            status=OccurrenceStatus.HELD_NO_NOTES)]) == {}


def test_not_held_is_known_only_once_read_waited_for_and_no_re_read_overdue() -> None:
    day = timedelta(days=1)
    read = meeting(status=OccurrenceStatus.HELD_NO_NOTES, captured_at=END + GRACE,
                   read_back_at=END + RECHECK)
    assert not known_not_held(meeting(status=OccurrenceStatus.HELD_NO_NOTES), END + 3 * day,
                              day)  # never read back
    assert not known_not_held(read, END + RECHECK - timedelta(minutes=1), day + RECHECK)
    # The day-after re-read is due and was not made (it failed): "no notes" may be stale.
    assert not known_not_held(read, END + RECHECK + GRACE, day)
    reread = meeting(status=OccurrenceStatus.HELD_NO_NOTES, captured_at=END + RECHECK,
                     read_back_at=END + WEEK)
    assert known_not_held(reread, END + RECHECK + GRACE, day)


def test_words_typed_outside_the_block_mean_the_meeting_took_place() -> None:
    """Read back without notes, but with words typed outside the agenda's lines since it
    went in: never taken for not held (no times offered to rebook it)."""
    reread = meeting(status=OccurrenceStatus.HELD_NO_NOTES, captured_at=END + RECHECK,
                     read_back_at=END + WEEK, typed_outside=True)
    assert not known_not_held(reread, END + RECHECK + GRACE, timedelta(days=1))


def test_a_meeting_recorded_only_past_the_first_reads_reach_is_marked_to_be_read() -> None:
    """The first read-back looks ``reach`` back: a meeting recorded (or moved) by a sync
    after that, never read back, is marked to be read now; one within it, one read back
    already, and one cancelled are left as they are."""
    row = {"original_start": END - WEEK, "start": END - timedelta(minutes=30), "end": END,
           "status": OccurrenceStatus.MOVED}
    now = END + reach(WEEK)
    assert read_late([row], [], now, WEEK) == [row]
    later = now + timedelta(seconds=1)
    assert read_late([row], [], later, WEEK) == [{**row, "read_back_at": later}]
    read = meeting(original_start=END - WEEK, captured_at=END + GRACE)
    assert read_late([row], [read], later, WEEK) == [row]
    cancelled = {**row, "status": OccurrenceStatus.CANCELLED}
    assert read_late([cancelled], [], later, WEEK) == [cancelled]

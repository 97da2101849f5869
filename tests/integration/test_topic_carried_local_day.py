"""A topic shown on one agenda and again on the next is carried, and later agendas say
how often ("carried 1×"). A topic is raised on the pair's own day, and whether it came before the
meeting was asked of the meeting's UTC day: a Sydney 1-2-1 at 09:00 is the day before in
UTC, so a topic raised the day before the meeting (and on the agenda of the meeting held
that day) was taken for one raised on the meeting's day, and never counted as carried."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.domain.model import CadenceKind
from service.domain.timezones import local_date
from service.sandbox import SandboxTenant
from tests.integration.test_agenda_content_invites import MIA, ROB, Pairs
from tests.integration.test_agenda_loop import START

SYDNEY = "AUS Eastern Standard Time"
TOPIC = "Moving to the platform team"


def sydney_org() -> SandboxTenant:
    t = SandboxTenant(seed="carried-sydney", now=lambda: START)
    hours = {"startTime": "09:00:00.0000000", "endTime": "10:30:00.0000000"}
    mia = t.add_user("Mia Manager", MIA, time_zone=SYDNEY, hire_date=date(2020, 1, 1),
                     working_hours=hours)
    t.add_user("Rob Report", ROB, manager=mia, time_zone=SYDNEY, hire_date=date(2021, 3, 1),
               working_hours=hours)
    return t


def test_a_topic_raised_the_day_before_a_sydney_morning_meeting_is_carried(
        db_url: str, settings_for: Any) -> None:
    pairs = Pairs(settings_for(db_url, default_cadence=CadenceKind.WEEKLY), sydney_org())
    pairs.at(START)
    held, now = pairs.next_agenda(ROB, START)
    view = pairs.view(ROB)
    zone = ZoneInfo(view.series.time_zone)
    next_week = held.start + timedelta(days=7)  # not stored yet: months are read as they come
    assert next_week.date() < next_week.astimezone(zone).date()  # in UTC: the day before
    # Mia moves this week's meeting to 09:30 the day before next week's: next week's
    # agenda then waits for it to be read back (waits_for_previous).
    day_before = next_week.astimezone(zone).date() - timedelta(days=1)
    new_start = next_week.astimezone(zone).replace(
        year=day_before.year, month=day_before.month, day=day_before.day, hour=9, minute=30)
    pairs.tenant.person_move(MIA, held.event_id, new_start, new_start + (held.end - held.start))
    # Rob raises a topic at 07:00 that morning; it goes into the moved meeting's agenda.
    raised_at = new_start - timedelta(hours=2, minutes=30)
    while now < raised_at:
        now = min(now + timedelta(hours=12), raised_at)
        pairs.at(now)
    pairs.store.add_topic(view.pairing.id, TOPIC, "report",
                          local_date(raised_at, view.series.time_zone), raised_at)
    pairs.at(raised_at + timedelta(minutes=30))
    held = next(o for o in pairs.meetings(ROB) if o.id == held.id)
    assert held.start == new_start and any(TOPIC in line for line in pairs.lines(held))
    # Not discussed there (nothing typed): next week's agenda, written once it is read
    # back, shows it again: carried once, which the agenda after it says.
    written, _ = pairs.next_agenda(ROB, held.start, step=timedelta(hours=1))
    assert written.start == next_week
    (topic,) = [t for t in pairs.store.open_topics(view.pairing.id) if t.text == TOPIC]
    assert topic.carried == 1
    after, _ = pairs.next_agenda(ROB, written.start)
    assert any(TOPIC in line and "carried 1×" in line for line in pairs.lines(after)), (
        "\n".join(pairs.lines(after)))

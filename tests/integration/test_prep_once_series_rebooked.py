"""A series ended and booked anew (here: the report starts managing others, so the pair's
cadence changes) often has its first meeting on the day of the cancelled meeting the report
was already asked about, at another time. That is the same 1-2-1: the report is not asked
again what they would like to talk about that day (soak: two "Your 1-2-1 with ... on
<the same day>" mails, after a promotion and after a move off a clash)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tests.integration.test_mail_replies import PREP_DAY, ROB, World

LONDON = ZoneInfo("Europe/London")
MEETING_DAY = date(2026, 12, 1)  # Rob's first meeting (11:30), asked about on PREP_DAY


def test_a_series_booked_anew_the_same_day_gets_no_second_prep_mail(tmp_path, settings_for
                                                                    ) -> None:
    world = World(settings_for(f"sqlite:///{tmp_path / 'prep-once.db'}"))
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, prep_email=True))

    def preps() -> list[str]:
        return [m["subject"] for m in world.tenant.messages(ROB)
                if "what would you like to talk about" in (m.get("subject") or "")]

    world.at(PREP_DAY)
    assert preps() == ["Your 1-2-1 with Mia Manager on Tuesday 1 Dec 2026: what would you "
                       "like to talk about?"]
    # Rob is out on site every day for two weeks but his meeting's day, and is promoted:
    # his series (monthly) is ended for a fortnightly one, whose first meeting is booked
    # on that same Tuesday, at another time.
    day = PREP_DAY.date() + timedelta(days=1)
    while day < MEETING_DAY + timedelta(days=11):
        if day != MEETING_DAY:
            start = datetime.combine(day, time(0), tzinfo=LONDON)
            world.tenant.add_event(ROB, "Site work", start, start + timedelta(days=1),
                                   all_day=True)
        day += timedelta(days=1)
    world.tenant.add_user("Tia Report", "tia@contoso.example",
                          manager=world.tenant.user(ROB), hire_date=date(2020, 1, 1))
    now = PREP_DAY + timedelta(hours=12)
    first = world.at(now)
    assert first.schedule.ended and "cadence changed" in first.schedule.ended[0]
    series = world.view(ROB).series
    assert series is not None and series.first_date == MEETING_DAY, series
    assert series.start_time != "11:30"
    while now < datetime.combine(MEETING_DAY, time(9), tzinfo=LONDON):
        now += timedelta(hours=12)
        world.at(now)
    assert len(preps()) == 1, preps()

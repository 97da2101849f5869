"""A mail to one person names the meeting by the day it is on where they are: a Sydney
manager's Tuesday 09:30 1-2-1 is on Monday afternoon for her report in Los Angeles (a pairing
common in any company with staff on both sides of the Pacific), whose Outlook shows it on
Monday. "Your 1-2-1 on Tuesday" in the prep mail's subject, or in the reply to their topics,
would send them to the wrong day, or to next week's meeting."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.domain.agenda import format_date
from service.domain.topics import topics_address
from service.sandbox import SandboxTenant
from service.sandbox.mail import compose
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import run

BOX = "onetoone@x.example"
LOLA = "lola@x.example"
START = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)


def test_mails_to_a_report_across_the_pacific_name_their_own_day(tmp_path,
                                                                  settings_for) -> None:
    base = settings_for(f"sqlite:///{tmp_path / 'pacific.db'}", window_start=time(9, 30),
                        window_end=time(10, 30))
    settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail,
                                                                  topics_mailbox=BOX))
    tenant = SandboxTenant(seed="tz-pacific", now=lambda: START)
    sam = tenant.add_user("Sam Sydney", "sam@x.example", time_zone="AUS Eastern Standard Time",
                          hire_date=date(2020, 1, 1))
    tenant.add_user("Lola Angeles", LOLA, manager=sam, time_zone="Pacific Standard Time",
                    hire_date=date(2020, 1, 1))
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))
    run(settings, tenant, START)
    store = Store(make_engine(settings.database.url))
    (view,) = store.views()
    assert view.series is not None
    first = datetime.combine(view.series.first_date, time.fromisoformat(
        view.series.start_time), ZoneInfo(view.series.time_zone))
    theirs = first.astimezone(ZoneInfo("America/Los_Angeles")).date()
    assert theirs != first.date()  # (the case: a Sydney morning is the day before in LA)

    def mail_to_lola(prefix: str) -> list[dict]:
        return [m for m in tenant.messages(LOLA) if m["subject"].startswith(prefix)]

    now = START
    while not mail_to_lola("Your 1-2-1") and now < first:
        now += timedelta(hours=6)
        run(settings, tenant, now)
    (prep,) = mail_to_lola("Your 1-2-1")
    assert prep["subject"].startswith(
        f"Your 1-2-1 with Sam Sydney on {theirs:%A} {format_date(theirs)}:"), prep["subject"]

    compose(tenant, LOLA, [topics_address(BOX, view.pairing.key)], "For our 1-2-1",
            "<p>Team lead role</p>")
    run(settings, tenant, now + timedelta(minutes=10))
    replies = [re.sub(r"<[^>]+>", " ", m["body"]["content"]) for m in tenant.messages(LOLA)
               if m["subject"] not in (prep["subject"], "For our 1-2-1")]
    said = " ".join(" ".join(replies).split())
    assert f"your 1-2-1 with Sam Sydney on {format_date(theirs)}" in said, said

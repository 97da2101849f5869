"""Replies name a meeting by its date where it is held: a Sydney 1-2-1 at 10:00 on Tuesday
is on Monday in UTC, and "your 1-2-1 on Monday" would send the report to the wrong day."""

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
START = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)
SYDNEY = "AUS Eastern Standard Time"


def test_a_topic_reply_names_the_meetings_local_day(tmp_path, settings_for) -> None:
    base = settings_for(f"sqlite:///{tmp_path / 'syd.db'}", window_start=time(9, 30),
                        window_end=time(10, 30))
    settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail,
                                                                  topics_mailbox=BOX))
    tenant = SandboxTenant(seed="tz5", now=lambda: START)
    sam = tenant.add_user("Sam Sydney", "sam@x.example", time_zone=SYDNEY,
                          hire_date=date(2020, 1, 1))
    tenant.add_user("Ola Sydney", "ola@x.example", manager=sam, time_zone=SYDNEY,
                    hire_date=date(2020, 1, 1))
    tenant.add_user("onetoone service", BOX, hire_date=date(2020, 1, 1))

    run(settings, tenant, START)
    store = Store(make_engine(settings.database.url))
    (view,) = store.views()
    assert view.series is not None
    zone = ZoneInfo(view.series.time_zone)
    first = datetime.combine(view.series.first_date, time.fromisoformat(
        view.series.start_time), zone)
    assert first.date() != first.astimezone(UTC).date()  # (the case: a morning in Sydney)
    compose(tenant, "ola@x.example", [topics_address(BOX, view.pairing.key)], "For our 1-2-1",
            "<p>Team lead role</p>")
    run(settings, tenant, START + timedelta(minutes=10))
    replies = [re.sub(r"<[^>]+>", " ", m["body"]["content"])
               for m in tenant.messages("ola@x.example") if "Team lead" not in m["subject"]]
    said = " ".join(" ".join(replies).split())
    assert (f"on the agenda for your 1-2-1 with Sam Sydney on {format_date(first.date())}"
            in said), said

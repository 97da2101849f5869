"""A [policy.groups] cadence is how an organisation meets more often where support is
needed (seed 003), so it never lowers a report below their role's cadence: a new starter in
an "extra support" group at fortnightly still meets weekly while new (then fortnightly, the
group's, not monthly), and a manager of others in a monthly group still meets fortnightly
(seed 003: "managers upwards at least every 2 weeks"). `onetoone pairs` tells the admin the
group's cadence was not used; a group more frequent than the role still wins."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

from service.app import job_context
from service.domain.model import CadenceKind
from service.jobs.pairs import gather
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, org, run, series_in

BEN, MAX, ROB = "ben@contoso.example", "max@contoso.example", "rob@contoso.example"
# Ben was hired 2026-09-04: a new starter until 2026-12-03, no longer one from this day.
UNTIL = date(2026, 12, 4)


def _patterns(tenant: Any, report_name: str) -> list[tuple[int, str, str]]:
    """The pair's live series in Mia's or Max's calendar, as Outlook holds them: (weeks
    between meetings, or 0 for monthly; first day; last day), in date order."""
    out = []
    for mailbox in ("mia@contoso.example", "ceo@contoso.example"):
        for s in series_in(tenant, mailbox):
            if report_name not in s["subject"]:
                continue
            pattern, span = s["recurrence"]["pattern"], s["recurrence"]["range"]
            weeks = 0 if pattern["type"] == "relativeMonthly" else pattern["interval"]
            out.append((weeks, span["startDate"], span["endDate"]))
    return sorted(out, key=lambda p: p[1])


def _why(settings: Any, tenant: Any, now: datetime) -> dict[str, str]:
    """Each pair's "why", as `onetoone pairs` shows it (the sync's plan, changing nothing),
    by the report's email."""
    tenant.now = lambda: now

    async def go() -> Any:
        async with job_context(settings, now, sandbox=tenant) as ctx:
            return await gather(ctx, now)

    plan = asyncio.run(go())
    return {a.spec.report.email: a.reason for a in plan.actions if a.spec is not None}


def test_a_group_override_raises_cadences_and_never_lowers_them(db_url, settings_for
                                                                  ) -> None:
    tenant = org()
    support = tenant.add_group("Extra support")["id"]
    light = tenant.add_group("Light touch")["id"]
    tenant.user(BEN)["groups"].append(support)  # a new starter: weekly by the guidance
    tenant.user(ROB)["groups"].append(support)  # monthly by the guidance: raised
    tenant.user(MAX)["groups"].append(light)  # manages Zed: fortnightly by the guidance
    settings = settings_for(db_url, groups=((support, CadenceKind.FORTNIGHTLY),
                                            (light, CadenceKind.MONTHLY)))

    result = run(settings, tenant, NOW)
    assert result.schedule.failed == []
    # Ben: weekly while new, then the support group's fortnightly (not the role's monthly),
    # both booked now as for any new starter: no cancellation when his weeks end.
    ben = _patterns(tenant, "Ben New")
    assert [weeks for weeks, _first, _last in ben] == [1, 2]
    assert ben[0][2] == (UNTIL - timedelta(days=1)).isoformat()
    assert ben[1][1] >= UNTIL.isoformat()
    assert [p[0] for p in _patterns(tenant, "Max Lead")] == [2]  # not monthly
    assert [p[0] for p in _patterns(tenant, "Rob Report")] == [2]  # raised by the group

    why = _why(settings, tenant, NOW + timedelta(hours=1))
    assert why[BEN] == ("weekly 30m: new starter (hired 2026-09-04, within 90 days); "
                        f"not lowered to fortnightly by the override for group {support}")
    assert why[MAX] == ("fortnightly 30m: manages others; "
                        f"not lowered to monthly by the override for group {light}")
    assert why[ROB] == f"fortnightly 30m: override for group {support}"

    # Ben's weeks end: the group's fortnightly takes over, on the follow-on booked for it.
    for day in (UNTIL, UNTIL + timedelta(days=1)):
        result = run(settings, tenant, datetime.combine(day, NOW.timetz()))
        assert result.schedule.failed == [] and result.schedule.ended == [], day
    views = {v.report.email: v for v in Store(make_engine(db_url)).views()}
    assert (views[BEN].pairing.cadence, views[BEN].pairing.cadence_reason) == (
        "fortnightly", f"override for group {support}")
    assert views[MAX].pairing.cadence == "fortnightly"
    for who in (BEN, MAX, ROB):
        assert tenant.meeting_messages(who, "cancel") == [], who
    assert len(tenant.meeting_messages(BEN, "invite")) == 2  # weekly, then fortnightly

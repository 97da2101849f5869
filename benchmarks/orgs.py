"""Organisations for the benchmarks, and a rolled-out store built without a rollout.

``tree(n)``: managers of six, every seventh report a manager of six in turn (a deep tree, as
benchmarks/loop.py; idle.py and scale.py). ``flat(n)``: managers of eight in two time zones
(as benchmarks/schedule.py; memory.py).

``seeded(tenant, settings, now)`` leaves the database and the tenant as a finished first
rollout would, in minutes rather than hours at 100,000 pairs: the directory sync and the
mailbox settings read are the product's own (through the sandbox, in process); each series is
the product's own payload (``SeriesCreation.event_payload``) created in the manager's calendar
(invite included) and recorded as created, in bulk. Only the slot is not chosen against
free/busy: each pair gets its own weekday, week of the month and half-day, so no one is
double-booked (a person is a report in one half of the day, a manager in the other).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the worker process imports this module, and must not see the sandbox
    from service.sandbox import SandboxTenant

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday, before anyone's working day
FLAT_NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
REPORTS_PER_MANAGER = 8  # flat()
WEEKS = ("first", "second", "third", "fourth")


def tree(pairs: int, now: datetime = START) -> SandboxTenant:
    """A tree: managers of six, every seventh report a manager of six in turn."""
    from service.sandbox import SandboxTenant

    tenant = SandboxTenant(seed=f"bench-loop-{pairs}", now=lambda: now)
    top = tenant.add_user("Chief 0", "chief0@bench.example", hire_date=date(2015, 1, 1))
    queue, made, n = [top], 0, 0
    while made < pairs and queue:
        manager = queue.pop(0)
        for _ in range(min(6, pairs - made)):
            n += 1
            person = tenant.add_user(f"Person {n}", f"person{n}@bench.example", manager=manager,
                                     hire_date=date(2021, 1, 1))
            made += 1
            if n % 7 == 1:
                queue.append(person)
        if not queue and made < pairs:
            queue.append(person)
    return tenant


def flat(pairs: int, now: datetime = FLAT_NOW) -> SandboxTenant:
    """Managers with eight reports each (the last one fewer), in two time zones."""
    from service.sandbox import SandboxTenant

    tenant = SandboxTenant(seed=f"bench-{pairs}", now=lambda: now)
    made, m = 0, 0
    while made < pairs:
        zone = "GMT Standard Time" if m % 3 else "Eastern Standard Time"
        manager = tenant.add_user(f"Manager {m}", f"manager{m}@bench.example",
                                  time_zone=zone, hire_date=date(2018, 1, 1))
        for r in range(min(REPORTS_PER_MANAGER, pairs - made)):
            tenant.add_user(f"Report {m}-{r}", f"report{m}.{r}@bench.example", manager=manager,
                            time_zone=zone, hire_date=date(2020 + r % 7, 1 + r, 1))
            made += 1
        m += 1
    return tenant


def sqlite_settings(path: str, topics_mailbox: str = "", prep_email: bool = True) -> Any:
    """The default settings with a SQLite database at ``path`` (and a service mailbox, with
    prep mails unless ``prep_email`` is False)."""
    from service.config import default_settings

    base = default_settings()
    settings = dataclasses.replace(
        base, database=dataclasses.replace(base.database, url=f"sqlite:///{path}"))
    if topics_mailbox:
        settings = dataclasses.replace(settings, mail=dataclasses.replace(
            settings.mail, topics_mailbox=topics_mailbox, prep_email=prep_email))
    return settings


def seeded(tenant: SandboxTenant, settings: Any, now: datetime,
           first_after: timedelta = timedelta(days=1)) -> int:
    """The store and tenant as a first rollout at ``now`` leaves them, first meetings from
    ``first_after`` on; the series made."""
    return asyncio.run(_seed(tenant, settings, now, first_after))


async def _seed(tenant: SandboxTenant, settings: Any, now: datetime, first_after: timedelta
                ) -> int:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from service.app import job_context
    from service.store.due import _forget_due

    tenant.now = lambda: now
    # store/due.py's flush hook tests each new object against ``session.new``, which
    # SQLAlchemy rebuilds on every access: quadratic in the objects of one flush (hours for
    # a first directory sync of 100,000 people). It only empties the due instants of
    # series, and there are none yet, so the seed does without it.
    event.remove(Session, "before_flush", _forget_due)
    try:
        async with job_context(settings, now, sandbox=tenant) as ctx:
            return await _seed_in(ctx, tenant, now, first_after)
    finally:
        event.listen(Session, "before_flush", _forget_due)


async def _seed_in(ctx: Any, tenant: SandboxTenant, now: datetime, first_after: timedelta
                   ) -> int:
    import service.sandbox.calendar as cal
    from service.domain.cadence import first_occurrence_on_or_after, series_end_date
    from service.domain.model import CadenceKind
    from service.domain.records import SeriesRecord
    from service.domain.series import slot_of
    from service.domain.status import PairingStatus, SeriesStatus
    from service.graph.wire import transaction_id
    from service.jobs.pairs import sync_pairs
    from service.jobs.series_create import SeriesCreation
    from service.jobs.series_plan import mailbox_fields, working_hours
    from service.store import convert

    await sync_pairs(ctx, now)
    store = ctx.store
    views = store.views([PairingStatus.ACTIVE])
    people = list(dict.fromkeys(p.id for v in views for p in (v.manager, v.report)))
    infos = await ctx.graph.mailbox_settings(people)
    store.set_mailbox_infos({pid: mailbox_fields(info) for pid, info in infos.items()
                             if info.error is None}, now)
    views = store.views([PairingStatus.ACTIVE])
    creator = SeriesCreation(ctx, now)
    policy, fallback = creator.series_policy, creator.slot_policy.fallback_time_zone

    manager_of = {v.report.id: v.manager.id for v in views}
    depth: dict[str, int] = {}

    def depth_of(pid: str) -> int:
        chain = []
        while pid not in depth and pid in manager_of:
            chain.append(pid)
            pid = manager_of[pid]
        d = depth.setdefault(pid, 0)
        for one in reversed(chain):
            d += 1
            depth[one] = d
        return depth[pid]

    by_manager: dict[str, list[Any]] = defaultdict(list)
    for view in views:
        by_manager[view.manager.id].append(view)
    rows = []
    day = (now + first_after).date()
    for m, (manager_id, several) in enumerate(sorted(by_manager.items())):
        afternoon = depth_of(manager_id) % 2  # a report of theirs manages in the other half
        for k, view in enumerate(sorted(several, key=lambda v: v.pairing.key)):
            kind = CadenceKind(view.pairing.cadence)
            weekday = (m + k) % 5
            week_index = WEEKS[(m // 5 + k) % 4] if kind is CadenceKind.MONTHLY else None
            step = -(-view.pairing.minutes // 30) * 30
            start = (datetime.combine(day, time(14 if afternoon else 9, 30))
                     + timedelta(minutes=step * (k // 5))).time()
            first = first_occurrence_on_or_after(kind, weekday, week_index, day)
            series = SeriesRecord(
                pairing_id=view.pairing.id, mailbox=manager_id, transaction_id="",
                status=SeriesStatus.ACTIVE, cadence=str(kind), minutes=view.pairing.minutes,
                weekday=weekday, week_index=week_index, start_time=start.strftime("%H:%M"),
                time_zone=working_hours(view.manager, fallback).time_zone, first_date=first,
                range_end=series_end_date(first, policy.months_ahead, policy.extend_months),
                online=False, slot_note="", created_at=now, updated_at=now)
            series = dataclasses.replace(
                series, transaction_id=transaction_id(view.pairing.key, slot_of(series), kind))
            payload = creator.event_payload(series, view.manager, view.report, view.pairing)
            event, _new = cal.create_event(tenant, manager_id, payload, validate=False)
            row = convert.series_row(series)
            row.event_id, row.ical_uid, row.checked_at = event["id"], event["iCalUId"], now
            rows.append(row)
    with store.session() as s, s.begin():
        s.add_all(rows)
    return len(rows)

"""Benchmark: schedule N pairs against the sandbox tenant with injected Graph latency.

    python benchmarks/schedule.py                 # 100, 1,000 and 10,000 pairs, 50 ms
    python benchmarks/schedule.py --pairs 1000 --latency 0.05

Prints, per N: Graph requests (HTTP round trips) per pair, operations per pair (counting each
$batch sub-request, as Graph meters them; target <= 2.5), throttled answers (429) the
product's own concurrency caused (target 0), wall time, the process's CPU time meanwhile
(the sandbox's included; near the wall time, the run is CPU-bound), and wall time / floor,
where the floor is requests x latency / allowed concurrency (the best any client could do within the
limits onetoone keeps: [microsoft] max_in_flight overall, 4 per mailbox; target <= 1.5).
With ``--baseline`` (the default for N <= 1,000) the same organisation is also scheduled by a
plain sequential msgraph-sdk script, getSchedule then create one pair at a time, over the
same sandbox and latency, and the speed-up is printed (target >= 20x).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.orgs import FLAT_NOW as NOW
from benchmarks.orgs import flat
from service.app import job_context, open_store
from service.config import default_settings
from service.jobs.pairs import sync_pairs
from service.jobs.schedule import schedule
from service.sandbox import SandboxTenant


def pairs_of(tenant: SandboxTenant) -> list[tuple[str, str, str]]:
    """(manager email, report email, report name) for every pair of the organisation."""
    users = tenant.state["users"]
    return [(users[u["manager_id"]]["mail"], u["mail"], u["displayName"])
            for u in users.values() if u.get("manager_id") in users]


async def sequential_sdk(tenant: SandboxTenant) -> int:
    """What a plain script does with msgraph-sdk: for each pair in turn, ask both people's
    free/busy for a week, then create a monthly series in the first slot both are free
    (or 10:00 on the first weekday). One request at a time. Returns the pairs created."""
    import httpx
    from kiota_abstractions.authentication import BaseBearerTokenAuthenticationProvider
    from msgraph import GraphServiceClient
    from msgraph.generated.models.attendee import Attendee
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.day_of_week import DayOfWeek
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.patterned_recurrence import PatternedRecurrence
    from msgraph.generated.models.recurrence_pattern import RecurrencePattern
    from msgraph.generated.models.recurrence_pattern_type import RecurrencePatternType
    from msgraph.generated.models.recurrence_range import RecurrenceRange
    from msgraph.generated.models.recurrence_range_type import RecurrenceRangeType
    from msgraph.generated.models.week_index import WeekIndex
    from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import (
        GetSchedulePostRequestBody,
    )
    from msgraph.graph_request_adapter import GraphRequestAdapter
    from msgraph_core import GraphClientFactory

    from service.graph.auth import StaticTokenProvider
    from service.graph.factory import SANDBOX_GRAPH_URL
    from service.sandbox import SandboxTransport

    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(transport=SandboxTransport(tenant)))
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticTokenProvider()),
                                  http)
    adapter.base_url = SANDBOX_GRAPH_URL
    graph = GraphServiceClient(request_adapter=adapter)
    start = datetime(2026, 11, 30, 9, 0)
    made = 0
    for manager, report, name in pairs_of(tenant):
        when = DateTimeTimeZone(date_time=start.isoformat(), time_zone="UTC")
        until = DateTimeTimeZone(date_time=(start.replace(day=5, month=12)).isoformat(),
                                 time_zone="UTC")
        answer = await graph.users.by_user_id(manager).calendar.get_schedule.post(
            GetSchedulePostRequestBody(schedules=[manager, report], start_time=when,
                                       end_time=until, availability_view_interval=30))
        views = [i.availability_view or "" for i in (answer.value or [])] if answer else []
        slot = next((k for k in range(2, 16) if all(len(v) > k and v[k] == "0"
                                                    for v in views)), 2)
        first = start.replace(hour=9 + slot // 2, minute=30 * (slot % 2))
        event = Event(
            subject=f"1-2-1: {name}",
            body=ItemBody(content="Our regular 1-2-1."),
            start=DateTimeTimeZone(date_time=first.isoformat(), time_zone="UTC"),
            end=DateTimeTimeZone(date_time=first.replace(minute=first.minute + 29).isoformat(),
                                 time_zone="UTC"),
            attendees=[Attendee(email_address=EmailAddress(address=report, name=name))],
            recurrence=PatternedRecurrence(
                pattern=RecurrencePattern(type=RecurrencePatternType.RelativeMonthly,
                                          interval=1, days_of_week=[DayOfWeek.Monday],
                                          index=WeekIndex.First),
                range=RecurrenceRange(type=RecurrenceRangeType.Numbered,
                                      start_date=first.date(), number_of_occurrences=6)))
        await graph.users.by_user_id(manager).events.post(event)
        made += 1
    return made


def baseline(pairs: int, latency: float) -> dict[str, float]:
    tenant = flat(pairs)
    tenant.latency = latency
    asyncio.run(sequential_sdk(flat(0)))  # its imports: set-up, untimed (see run())
    started = time.perf_counter()
    made = asyncio.run(sequential_sdk(tenant))
    wall = time.perf_counter() - started
    if made != pairs:
        raise SystemExit(f"the baseline created {made} series for {pairs} pairs")
    return {"wall": wall, "requests": len(tenant.requests)}


def run(pairs: int, latency: float) -> dict[str, float]:
    tenant = flat(pairs)
    tenant.latency = latency
    with tempfile.TemporaryDirectory() as tmp:
        base = default_settings()
        settings = dataclasses.replace(
            base, database=dataclasses.replace(base.database, url=f"sqlite:///{tmp}/bench.db"))

        http: list[int] = []
        throttles: list[int] = []
        # Creating the database's schema is installation, not rollout (a server database is
        # upgraded by `onetoone db upgrade` before any run), and the baseline has none:
        # done before the clock starts, as the baseline's imports are.
        store = open_store(settings)

        async def go():
            async with job_context(settings, NOW, sandbox=tenant, store=store) as ctx:
                try:
                    # The scheduling steps only (agendas etc. have benchmarks/agenda.py).
                    await sync_pairs(ctx, NOW)
                    return await schedule(ctx, NOW)
                finally:
                    http.append(ctx.graph.transport.stats.requests)
                    throttles.append(ctx.graph.transport.stats.throttled)

        started, cpu_started = time.perf_counter(), time.process_time()
        result = asyncio.run(go())
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    created = len(result.created)
    if created != pairs or result.failed:
        raise SystemExit(f"expected {pairs} series, got {created}: {result.failed[:3]}")
    requests = http[0]  # HTTP round trips; each pays the latency once
    operations = sum(1 for _m, path, _who in tenant.requests  # each $batch step is one
                     if not path.rstrip("/").endswith("$batch"))
    throttled = throttles[0]  # 429s the client saw (and retried)
    concurrency = settings.microsoft.max_in_flight
    floor = requests * latency / concurrency
    return {"pairs": pairs, "requests": requests, "per_pair": requests / pairs,
            "ops_per_pair": operations / pairs, "wall": wall, "floor": floor,
            "ratio": wall / floor if floor else float("nan"), "throttled": throttled,
            "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--baseline", choices=("auto", "yes", "no"), default="auto",
                        help="also time a sequential msgraph-sdk script (auto: N <= 1,000)")
    args = parser.parse_args()
    print(f"latency {args.latency * 1000:.0f} ms per request; floor = requests x latency / "
          "allowed concurrency; targets: ops/pair <= 2.5, 429s 0, wall/floor <= 1.5, "
          "speed-up over a sequential msgraph-sdk script >= 20")
    print(f"{'pairs':>7} {'requests':>9} {'req/pair':>9} {'ops/pair':>9} {'429s':>5} "
          f"{'wall s':>8} {'cpu s':>6} {'floor s':>8} {'wall/floor':>10} {'sdk loop s':>10} "
          f"{'speed-up':>9}")
    for n in args.pairs:
        r = run(n, args.latency)
        line = (f"{r['pairs']:>7} {r['requests']:>9} {r['per_pair']:>9.2f} "
                f"{r['ops_per_pair']:>9.2f} {r['throttled']:>5} {r['wall']:>8.2f} "
                f"{r['cpu']:>6.2f} {r['floor']:>8.2f} {r['ratio']:>10.2f}")
        if args.baseline == "yes" or (args.baseline == "auto" and n <= 1000):
            b = baseline(n, args.latency)
            line += f" {b['wall']:>10.1f} {b['wall'] / r['wall']:>8.1f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()

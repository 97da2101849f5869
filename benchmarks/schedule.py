"""Benchmark: schedule N pairs against the sandbox tenant with injected Graph latency.

    python benchmarks/schedule.py                 # 100, 1,000 and 10,000 pairs, 50 ms
    python benchmarks/schedule.py --pairs 1000 --latency 0.05 [--sandbox inline]
    python benchmarks/schedule.py --pairs 1000 --profile /tmp/schedule.prof

Prints, per N: Graph requests (HTTP round trips) per pair, operations per pair (counting each
$batch sub-request, as Graph meters them; target <= 2.5), throttled answers (429) the
product's own concurrency caused (target 0), wall time, the product's CPU time meanwhile
(near the wall time, the run is CPU-bound), and wall time / floor, where the floor is
requests x latency / allowed concurrency (the best any client could do within the limits
onetoone keeps: [microsoft] max_in_flight overall, 4 per mailbox; target <= 1.5).
With ``--baseline`` (the default for N <= 1,000) the same organisation is also scheduled by a
plain sequential msgraph-sdk script, getSchedule then create one pair at a time, over the
same sandbox and latency, and the speed-up is printed (target >= 20x).

``--sandbox process`` (the default) measures what a deployment sees. Graph is someone else's
servers: its work (parsing and validating our JSON, free/busy, storing events) costs our
worker nothing but the wait. So the tenant is served over loopback HTTP by a child process
of its own (service/sandbox/server.py: on the machine's other core, as Microsoft's servers
would be), the latency is slept there without blocking other requests, and the product
and the SDK script both talk real HTTP to it through httpx's network transport (keep-alive
connections), paying the HTTP work a real client pays. The product's CPU seconds are then
its own; the server's are printed apart ("graph cpu s"). ``--sandbox inline`` is the older
measurement: the tenant as an httpx transport in the product's process, so about a fifth of
the CPU charged to the product's single event loop is Graph's, and the wall time with it.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.orgs import FLAT_NOW as NOW
from benchmarks.orgs import flat
from service.app import job_context, open_store, tune_gc
from service.config import default_settings
from service.graph.factory import build_from_settings
from service.jobs.context import JobContext
from service.jobs.pairs import sync_pairs
from service.jobs.schedule import schedule
from service.sandbox import SandboxTenant, SandboxTransport
from service.sandbox.server import LoopbackTransport, SandboxServer

PROCESS, INLINE = "process", "inline"


@contextlib.contextmanager
def graph_side(tenant: SandboxTenant, mode: str) -> Iterator[tuple[Any, SandboxServer | None]]:
    """A factory of httpx transports to the tenant (one per client), and its server: in
    process mode a child process serving the tenant over loopback HTTP (started here,
    before the product opens its database or runs an event loop, so the fork copies
    neither); inline, the tenant's transport in this process and no server."""
    if mode == INLINE:
        yield (lambda: SandboxTransport(tenant)), None
        return
    with SandboxServer(tenant) as server:
        # One request first, untimed and then forgotten: the HTTP stack's imports (httpcore,
        # h11, anyio's backend) are set-up, as the baseline's imports are.
        asyncio.run(_warm_up(LoopbackTransport(server.port)))
        server.reset_counters()
        yield (lambda: LoopbackTransport(server.port)), server


async def _warm_up(transport: LoopbackTransport) -> None:
    import httpx

    async with httpx.AsyncClient(transport=transport) as client:
        await client.get("https://graph.sandbox.invalid/v1.0/users?$top=1",
                         headers={"Authorization": "Bearer warm-up"})


def operations(log: list[tuple[str, str, str | None]]) -> int:
    """Requests as Graph meters them: each $batch step is one, the envelope none."""
    return sum(1 for _m, path, _who in log if not path.rstrip("/").endswith("$batch"))


def pairs_of(tenant: SandboxTenant) -> list[tuple[str, str, str]]:
    """(manager email, report email, report name) for every pair of the organisation."""
    users = tenant.state["users"]
    return [(users[u["manager_id"]]["mail"], u["mail"], u["displayName"])
            for u in users.values() if u.get("manager_id") in users]


async def sequential_sdk(pairs: list[tuple[str, str, str]], transport: Any) -> int:
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

    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(transport=transport))
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticTokenProvider()),
                                  http)
    adapter.base_url = SANDBOX_GRAPH_URL
    graph = GraphServiceClient(request_adapter=adapter)
    start = datetime(2026, 11, 30, 9, 0)
    made = 0
    for manager, report, name in pairs:
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


def baseline(pairs: int, latency: float, mode: str) -> dict[str, float]:
    tenant = flat(pairs)
    tenant.latency = latency
    asyncio.run(sequential_sdk([], SandboxTransport(flat(0))))  # its imports: set-up, untimed
    with graph_side(tenant, mode) as (transport, server):
        started = time.perf_counter()
        made = asyncio.run(sequential_sdk(pairs_of(tenant), transport()))
        wall = time.perf_counter() - started
        log = server.requests() if server is not None else tenant.requests
    if made != pairs:
        raise SystemExit(f"the baseline created {made} series for {pairs} pairs")
    return {"wall": wall, "requests": len(log)}


def run(pairs: int, latency: float, mode: str, profile: str = "") -> dict[str, float]:
    tenant = flat(pairs)
    tenant.latency = latency
    with tempfile.TemporaryDirectory() as tmp, graph_side(tenant, mode) as (transport, server):
        base = default_settings()
        settings = dataclasses.replace(
            base, database=dataclasses.replace(base.database, url=f"sqlite:///{tmp}/bench.db"))

        http: list[int] = []
        throttles: list[int] = []
        # Creating the database's schema is installation, not rollout (a server database is
        # upgraded by `onetoone db upgrade` before any run), and the baseline has none:
        # done before the clock starts, as the baseline's imports are.
        store = open_store(settings)

        async def steps(ctx: JobContext) -> Any:
            try:
                # The scheduling steps only (agendas etc. have benchmarks/agenda.py).
                await sync_pairs(ctx, NOW)
                return await schedule(ctx, NOW)
            finally:
                http.append(ctx.graph.transport.stats.requests)
                throttles.append(ctx.graph.transport.stats.throttled)

        async def go() -> Any:
            if server is None:
                async with job_context(settings, NOW, sandbox=tenant, store=store) as ctx:
                    return await steps(ctx)
            # As the worker builds it (the settings' limits, retries and timeout), over HTTP.
            graph = build_from_settings(settings, inner=transport())
            try:
                return await steps(JobContext(settings=settings, store=store, graph=graph))
            finally:
                await graph.aclose()

        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
        graph_cpu = server.cpu_seconds() if server is not None else 0.0
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        result = asyncio.run(go())
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        if server is not None:
            graph_cpu = server.cpu_seconds() - graph_cpu
            log = server.requests()
        else:
            graph_cpu, log = float("nan"), tenant.requests
        if profiler is not None:
            profiler.dump_stats(profile)
    created = len(result.created)
    if created != pairs or result.failed:
        raise SystemExit(f"expected {pairs} series, got {created}: {result.failed[:3]}")
    requests = http[0]  # HTTP round trips; each pays the latency once
    throttled = throttles[0]  # 429s the client saw (and retried)
    concurrency = settings.microsoft.max_in_flight
    floor = requests * latency / concurrency
    return {"pairs": pairs, "requests": requests, "per_pair": requests / pairs,
            "ops_per_pair": operations(log) / pairs, "wall": wall, "floor": floor,
            "ratio": wall / floor if floor else float("nan"), "throttled": throttled,
            "cpu": cpu, "graph_cpu": graph_cpu}


def print_profile(path: str, lines: int = 15) -> None:
    """The top entries of our own code (service/...) by cumulative time: the product's
    (not the sandbox's, whose loopback transport is the HTTP client's work)."""
    import pstats

    pstats.Stats(path).sort_stats("cumulative").print_stats(r"/service/(?!sandbox/)", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--baseline", choices=("auto", "yes", "no"), default="auto",
                        help="also time a sequential msgraph-sdk script (auto: N <= 1,000)")
    parser.add_argument("--sandbox", choices=(PROCESS, INLINE), default=PROCESS,
                        help="process: the tenant served over loopback HTTP by a child "
                             "process, as Graph is (default); inline: an httpx transport "
                             "in this process, its CPU charged to the product's")
    parser.add_argument("--profile", default="",
                        help="write the product's cProfile stats (largest N) here and print "
                             "the top entries of service/ code")
    args = parser.parse_args()
    tune_gc()  # as `onetoone` does when it starts (service/cli); the SDK script gains too
    where = ("served over loopback HTTP by a process of its own" if args.sandbox == PROCESS
             else "an httpx transport in the product's process")
    print(f"sandbox {args.sandbox} ({where}); latency {args.latency * 1000:.0f} ms per "
          "request; floor = requests x latency / allowed concurrency; targets: ops/pair <= "
          "2.5, 429s 0, wall/floor <= 1.5, speed-up over a sequential msgraph-sdk script >= 20")
    print(f"{'pairs':>7} {'requests':>9} {'req/pair':>9} {'ops/pair':>9} {'429s':>5} "
          f"{'wall s':>8} {'cpu s':>6} {'graph cpu s':>11} {'floor s':>8} {'wall/floor':>10} "
          f"{'sdk loop s':>10} {'speed-up':>9}")
    for n in args.pairs:
        profile = args.profile if n == max(args.pairs) else ""
        r = run(n, args.latency, args.sandbox, profile)
        graph_cpu = "-" if args.sandbox == INLINE else f"{r['graph_cpu']:.2f}"
        line = (f"{r['pairs']:>7} {r['requests']:>9} {r['per_pair']:>9.2f} "
                f"{r['ops_per_pair']:>9.2f} {r['throttled']:>5} {r['wall']:>8.2f} "
                f"{r['cpu']:>6.2f} {graph_cpu:>11} {r['floor']:>8.2f} {r['ratio']:>10.2f}")
        if args.baseline == "yes" or (args.baseline == "auto" and n <= 1000):
            b = baseline(n, args.latency, args.sandbox)
            line += f" {b['wall']:>10.1f} {b['wall'] / r['wall']:>8.1f}x"
        print(line, flush=True)
    if args.profile:
        print_profile(args.profile)


if __name__ == "__main__":
    main()

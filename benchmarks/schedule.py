"""Benchmark: schedule N pairs against the sandbox tenant with injected Graph latency.

    python benchmarks/schedule.py                 # 100, 1,000 and 10,000 pairs, 50 ms
    python benchmarks/schedule.py --pairs 1000 --latency 0.05

Prints, per N: Graph requests (HTTP round trips) per pair, operations per pair (counting each
$batch sub-request), wall time, and wall time / floor, where the floor is
requests x latency / allowed concurrency (the best any client could do within the limits
onetoone keeps: [microsoft] max_in_flight overall, 4 per mailbox).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.app import job_context
from service.config import default_settings
from service.jobs.pairs import sync_pairs
from service.jobs.schedule import schedule
from service.sandbox import SandboxTenant

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
REPORTS_PER_MANAGER = 8


def organisation(pairs: int) -> SandboxTenant:
    """Managers with eight reports each (the last one fewer), in two time zones."""
    tenant = SandboxTenant(seed=f"bench-{pairs}", now=lambda: NOW)
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


def run(pairs: int, latency: float) -> dict[str, float]:
    tenant = organisation(pairs)
    tenant.latency = latency
    with tempfile.TemporaryDirectory() as tmp:
        base = default_settings()
        settings = dataclasses.replace(
            base, database=dataclasses.replace(base.database, url=f"sqlite:///{tmp}/bench.db"))

        http: list[int] = []

        async def go():
            async with job_context(settings, NOW, sandbox=tenant) as ctx:
                try:
                    # The scheduling steps only (agendas etc. have benchmarks/agenda.py).
                    await sync_pairs(ctx, NOW)
                    return await schedule(ctx, NOW)
                finally:
                    http.append(ctx.graph.transport.stats.requests)

        started = time.perf_counter()
        result = asyncio.run(go())
        wall = time.perf_counter() - started
    created = len(result.created)
    if created != pairs or result.failed:
        raise SystemExit(f"expected {pairs} series, got {created}: {result.failed[:3]}")
    requests = http[0]  # HTTP round trips; each pays the latency once
    operations = len(tenant.requests)  # counting each $batch sub-request
    concurrency = settings.microsoft.max_in_flight
    floor = requests * latency / concurrency
    return {"pairs": pairs, "requests": requests, "per_pair": requests / pairs,
            "ops_per_pair": operations / pairs, "wall": wall, "floor": floor,
            "ratio": wall / floor if floor else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    args = parser.parse_args()
    print(f"latency {args.latency * 1000:.0f} ms per request; floor = requests x latency / "
          "allowed concurrency")
    print(f"{'pairs':>7} {'requests':>9} {'req/pair':>9} {'ops/pair':>9} {'wall s':>8} "
          f"{'floor s':>8} {'wall/floor':>10}")
    for n in args.pairs:
        r = run(n, args.latency)
        print(f"{r['pairs']:>7} {r['requests']:>9} {r['per_pair']:>9.2f} "
              f"{r['ops_per_pair']:>9.2f} {r['wall']:>8.1f} {r['floor']:>8.1f} "
              f"{r['ratio']:>10.2f}", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: the worker at 1,000, 10,000 and 100,000 pairs, against issue 11's scale targets.

    python benchmarks/scale.py                       # 1,000, 10,000 and 100,000 pairs
    python benchmarks/scale.py --pairs 1000 10000 [--days 7] [--hours 12] [--service-mailbox]
                               [--large-days 0] [--save figures.json]

For each size, in one run:

1. The organisation (benchmarks/orgs.py ``tree``) is rolled out by ``orgs.seeded``: the
   product's directory sync and mailbox settings read, and every series created in the
   manager's calendar with the product's payload and recorded in bulk (a real rollout of
   100,000 pairs takes hours of one core; its cost is measured in step 4 instead).
2. REAL ticks, each in a worker process of its own talking HTTP to the sandbox tenant (as
   benchmarks/idle.py): the first tick after the rollout, then ``--days`` of ticks every
   ``--hours`` (half the managers type notes into each meeting after it), then the nothing-due
   ticks (the worker's 15-minute one, and the hourly one with the directory sync). Per tick:
   Graph requests as Graph meters them (each ``$batch`` step is one), HTTP round trips, 429s,
   CPU seconds, SQL statements and the worker's peak RSS. Above 10,000 pairs a simulated
   week takes this 2-core machine hours (the worker spends some 50 CPU-ms on each meeting a
   tick works on, measured at 1,000 pairs), so by default (``--large-days 0``) those
   sizes have their first meetings three weeks out and run the rollout's first tick and the
   nothing-due ticks only; ``--large-days N`` runs N days and projects the week.
3. Per mailbox: Graph's Outlook limit is 10,000 requests per 10 minutes per app per mailbox
   (and 4 at once: the client's own cap, so 429s are printed). Every request a tick makes to
   one mailbox is counted as if all fell into one 10-minute window (an upper bound: ticks
   are hours apart, and a longer tick only spreads them out), the first tick's together with
   the rollout's own.
4. The first rollout, measured for real (directory, free/busy, planning, creates; the same
   organisation) at ``--rollout-pairs`` with ``--latency`` per request, and projected to
   each size by its rate (pairs per second), with its busiest mailbox.

Targets (issue 11): peak RSS <= 150 MB at 10,000 pairs, growing sub-linearly; 100,000 pairs
on one 2-core worker: a first rollout and a steady-state week within Graph's per-mailbox
limits. Each figure is printed against its target, with the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.idle import CPU_TARGET_S, SETTLE, run_tick, serve  # noqa: E402
from benchmarks.orgs import START, seeded, sqlite_settings, tree  # noqa: E402

MAILBOX_LIMIT = 10_000  # Graph (Outlook): requests per 10 minutes per app per mailbox
RSS_TARGET_MB, RSS_TARGET_PAIRS = 150.0, 10_000
IDLE_AFTER = timedelta(minutes=30)
SERVICE_BOX = "onetoone@bench.example"
# Above this many pairs a simulated week of real ticks takes longer than this machine has
# (the worker's own CPU per meeting, not Graph's): fewer days are run, and the week is
# projected from them.
LARGE = 10_000
# With no days of ticks: first meetings this far out, so that nothing is due meanwhile.
QUIET = timedelta(days=21)


def type_notes(store: Any, tenant: Any, since: datetime, now: datetime) -> int:
    """Half the managers (as benchmarks/loop.py) type a note into each meeting of theirs
    that ended in [since, now) with its agenda in (no update sent). One bulk read."""
    import re

    from service.domain.status import AgendaState

    ended = {o.id: o for o in store.occurrences_ended_between(since, now)
             if o.event_id and o.agenda_state == AgendaState.INJECTED}
    typed = 0
    for occ_id, (_series, view) in store.occurrence_contexts(ended.values()).items():
        if sum(map(ord, view.manager.email)) % 2:  # deterministic, unlike hash()
            continue
        event_id = ended[occ_id].event_id
        html = tenant.person_body(view.manager.email, event_id)
        html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + "<p>ok</p>", html)
        tenant.person_edit_body(view.manager.email, event_id, html)
        typed += 1
    return typed


def rollout(pairs: int, latency: float) -> dict[str, Any]:
    """A real first rollout (directory sync, then scheduling) of ``tree(pairs)`` with
    ``latency`` per request: its wall time, requests and busiest mailbox."""
    from service.app import job_context
    from service.jobs.pairs import sync_pairs
    from service.jobs.schedule import schedule

    tenant = tree(pairs)
    tenant.latency = latency
    stats: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = sqlite_settings(f"{tmp}/r.db")

        async def go() -> Any:
            async with job_context(settings, START, sandbox=tenant) as ctx:
                try:
                    await sync_pairs(ctx, START)
                    return await schedule(ctx, START)
                finally:
                    stats.update(http=ctx.graph.transport.stats.requests,
                                 throttled=ctx.graph.transport.stats.throttled)

        started = time.perf_counter()
        result = asyncio.run(go())
        wall = time.perf_counter() - started
    if len(result.created) != pairs:
        raise SystemExit(f"the rollout created {len(result.created)} of {pairs} series: "
                         f"{result.failed[:3]}")
    steps = [who for _m, p, who in tenant.requests if not p.rstrip("/").endswith("$batch")]
    per_box = Counter(who for who in steps if who is not None)
    return {"pairs": pairs, "wall": wall, "ops": len(steps), "http": stats["http"],
            "throttled": stats["throttled"], "busiest": max(per_box.values(), default=0),
            "max_in_flight": settings.microsoft.max_in_flight}


def measure(pairs: int, days: int, hours: int, service_mailbox: bool, profile: str = ""
            ) -> dict[str, Any]:
    """One size: seed, the first tick, ``days`` of ticks, then the nothing-due ticks. With
    no days, the first meetings are weeks away (QUIET): the rollout's first tick and the
    nothing-due ones, without a meeting's history."""
    from service.app import open_store

    tenant = tree(pairs)
    box = SERVICE_BOX if service_mailbox else ""
    if box:
        tenant.add_user("onetoone service", box)
    out: dict[str, Any] = {"pairs": pairs, "ticks": []}
    with tempfile.TemporaryDirectory() as tmp_name:
        db = Path(tmp_name) / "scale.db"
        settings = sqlite_settings(str(db), box)
        started = time.perf_counter()
        out["series"] = seeded(tenant, settings, START,
                               QUIET if not days else timedelta(days=1))
        out["build_s"] = time.perf_counter() - started
        managers = {u["manager_id"] for u in tenant.state["users"].values()
                    if u.get("manager_id")}
        out["managers"] = len(managers)
        store = open_store(settings)
        server, port = serve(tenant)
        try:
            at = START + timedelta(minutes=1)
            out["first"] = run_tick(tenant, port, db, at, topics_mailbox=box)
            print(f"  first tick after the rollout: {_line(out['first'])}", flush=True)
            last = at
            for i in range(1, days * 24 // hours + 1):
                at = START + timedelta(hours=hours * i)
                type_notes(store, tenant, last, at)
                tick = run_tick(tenant, port, db, at, topics_mailbox=box,
                                profile=f"{profile}.{pairs}.{i}" if profile else "")
                out["ticks"].append(tick)
                print(f"  {at:%a %H:%M}: {_line(tick)}", flush=True)
                last = at
            out["hours"] = hours
            at += SETTLE  # the next run after changes; then nothing is due
            run_tick(tenant, port, db, at, topics_mailbox=box)
            out["idle"] = run_tick(tenant, port, db, at + IDLE_AFTER, sync=False,
                                   topics_mailbox=box)
            out["idle_sync"] = run_tick(tenant, port, db, at + IDLE_AFTER + timedelta(minutes=1),
                                        topics_mailbox=box)
        finally:
            server.shutdown()
            store.engine.dispose()
    return out


def _line(t: dict[str, Any]) -> str:
    work = ", ".join(f"{k} {v}" for k, v in t["work"].items() if v) or "nothing due"
    if t.get("failed"):
        work += f" (first failures: {'; '.join(t['failed'])[:300]})"
    busiest = max(t["mailboxes"].values(), default=0)
    return (f"{t['requests']} requests ({t['round_trips']} round trips, {t['throttled']} "
            f"429s), busiest mailbox {busiest}, CPU {t['cpu']:.1f} s, {t['statements']} SQL, "
            f"peak RSS {t['peak_kib'] / 1024:.0f} MiB; {work}")


def _projected_s(t: dict[str, Any], latency: float, in_flight: int) -> float:
    """A tick's wall time at ``latency``: its CPU or its round trips at the allowed
    concurrency, whichever is longer."""
    return max(t["cpu"], t["round_trips"] * latency / in_flight)


def report(r: dict[str, Any], roll: dict[str, Any], latency: float) -> None:
    n, in_flight = r["pairs"], roll["max_in_flight"]
    ticks = r["ticks"]
    print(f"{n:,} pairs, {r['managers']:,} managers: seeded in {r['build_s']:.0f} s "
          f"({r['series']:,} series)")
    if not ticks:
        print(f"  no days of ticks run (--large-days 0): first meetings from "
              f"{QUIET.days} days on; the steady-state week is the smaller sizes'")
    else:
        week_ops = sum(t["requests"] for t in ticks)
        held = sum(t["work"]["notes read"] for t in ticks)
        cpu = sum(t["cpu"] for t in ticks)
        scale = 7 / r["days"]
        what = "week" if scale == 1 else f"week, projected from {r['days']} day(s) x {scale:.1f}"
        print(f"  steady-state {what} ({len(ticks)} ticks measured every {r['hours']} h): "
              f"{week_ops * scale:,.0f} requests, {held * scale:,.0f} meetings read back "
              f"({week_ops / max(held, 1):.2f} requests per meeting), worker CPU "
              f"{cpu * scale:,.0f} s; longest tick {max(t['cpu'] for t in ticks):.1f} CPU-s, "
              f"{max(_projected_s(t, latency, in_flight) for t in ticks):.0f} s at "
              f"{latency * 1000:.0f} ms; 429s {sum(t['throttled'] for t in ticks)}")
    peak_box = max([max(t["mailboxes"].values(), default=0) for t in ticks]
                   + [roll["busiest"] + max(r["first"]["mailboxes"].values(), default=0)])
    verdict = "met" if peak_box <= MAILBOX_LIMIT else "NOT met"
    print(f"  peak requests per mailbox per 10 min {peak_box:>8}  (limit {MAILBOX_LIMIT:,}; "
          f"ratio {peak_box / MAILBOX_LIMIT:.4f}: {verdict})")
    idle, sync = r["idle"], r["idle_sync"]
    verdict = (f"ratio {idle['cpu'] / CPU_TARGET_S:.2f}: "
               f"{'met' if idle['cpu'] < CPU_TARGET_S else 'NOT met'}"
               if n == RSS_TARGET_PAIRS else "the target is for 10,000")
    print(f"  nothing-due tick: {idle['requests']} requests (with the directory sync "
          f"{sync['requests']}), CPU {idle['cpu']:.2f} s (target < {CPU_TARGET_S:.0f} s; "
          f"{verdict}), {idle['statements']} SQL statements, {idle['commits']} commits")
    rss = max(t["peak_kib"] for t in (*ticks, r["first"], idle, sync)) / 1024
    print(f"  peak RSS MiB: nothing-due tick {max(idle['peak_kib'], sync['peak_kib']) / 1024:.0f}, "
          f"any tick {rss:.0f} (target <= {RSS_TARGET_MB:.0f} at {RSS_TARGET_PAIRS:,}"
          + (f"; ratio {rss / RSS_TARGET_MB:.2f}: {'met' if rss <= RSS_TARGET_MB else 'NOT met'})"
             if n == RSS_TARGET_PAIRS else "; this size: see the growth below)"), flush=True)
    wall = roll["wall"] * n / roll["pairs"]
    print(f"  first rollout, projected from {roll['pairs']:,} pairs measured at "
          f"{latency * 1000:.0f} ms ({roll['wall']:.0f} s): {wall / 60:.1f} min "
          f"({roll['pairs'] / roll['wall']:.0f} pairs/s); busiest mailbox {roll['busiest']} "
          f"requests, 429s {roll['throttled']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--large-days", type=int, default=0,
                        help=f"days of ticks above {LARGE:,} pairs (the week is projected)")
    parser.add_argument("--hours", type=int, default=12, help="hours between ticks")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rollout-pairs", type=int, default=1000)
    parser.add_argument("--service-mailbox", action="store_true",
                        help="[mail] topics_mailbox set: prep mails, replies read")
    parser.add_argument("--profile", default="",
                        help="write each day tick's cProfile stats to PROFILE.<pairs>.<n>")
    parser.add_argument("--save", type=Path, default=None,
                        help="write the figures measured, as JSON, to this file")
    args = parser.parse_args()
    print(f"a real first rollout of {args.rollout_pairs:,} pairs at "
          f"{args.latency * 1000:.0f} ms ...", flush=True)
    roll = rollout(args.rollout_pairs, args.latency)
    results = []
    for n in args.pairs:
        print(f"{n:,} pairs ...", flush=True)
        days = args.days if n <= LARGE else args.large_days
        results.append(measure(n, days, args.hours, args.service_mailbox, args.profile))
        results[-1]["days"] = days
        if args.save:
            args.save.write_text(json.dumps({"rollout": roll, "results": results}))
        report(results[-1], roll, args.latency)
    print("peak RSS (MiB), nothing-due tick / any tick: " + ", ".join(
        f"{r['pairs']:,}: {max(r['idle']['peak_kib'], r['idle_sync']['peak_kib']) / 1024:.0f}"
        f" / {max(t['peak_kib'] for t in (*r['ticks'], r['first'])) / 1024:.0f}"
        for r in results))
    for a, b in pairwise(results):
        grow = (max(t["peak_kib"] for t in (*b["ticks"], b["first"]))
                / max(t["peak_kib"] for t in (*a["ticks"], a["first"])))
        scale = b["pairs"] / a["pairs"]
        print(f"  {a['pairs']:,} -> {b['pairs']:,}: {grow:.2f}x for {scale:.0f}x the pairs "
              f"({'sub-linear' if grow < scale else 'NOT sub-linear'})")


if __name__ == "__main__":
    main()

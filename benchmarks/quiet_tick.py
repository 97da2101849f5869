"""Benchmark: the fixed cost of a tick when little or nothing is due, by step.

    python benchmarks/quiet_tick.py [--pairs 30] [--days 3] [--ticks 8] [--by-call]

Rolls N pairs out in the sandbox tenant (benchmarks/orgs.py's tree), runs ``--days`` of
ticks every 12 hours, then ``--ticks`` ticks 15 minutes apart (the worker's interval; every
fourth with the directory sync, as the worker's hourly one), in process, each in its own
``job_context`` as a test's or `onetoone tick`'s run (so the store's opening is counted).
Prints, per quiet tick, the SQL statements and CPU milliseconds, by step of the tick, and
with ``--by-call`` by store method: the fixed cost issue 11 asks to make proportional to
the work due, and the cost of every scenario test that simulates weeks of ticks.
benchmarks/idle.py measures one such tick at scale, in a worker process of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.orgs import START, sqlite_settings, tree

TICK_EVERY = timedelta(hours=12)
QUIET_EVERY = timedelta(minutes=15)
# The functions tick.py runs as its steps (and what runs around them), by code name.
STEPS = ("open_store", "hold_throttled_mailboxes", "sync_pairs", "schedule", "rename_series",
         "sync_occurrences", "check_absences", "capture_notes", "read_topic_mail",
         "rebook_missed", "inject_agendas", "queue_mail", "send_outbox", "_retention",
         "_record", "held_lines")
STORE = str(Path(__file__).resolve().parents[1] / "service" / "store")


def _attribute(frame: FrameType | None) -> tuple[str, str]:
    """The tick step and the outermost store method a statement runs under."""
    step, call = "other", "other"
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(STORE) and not code.co_name.startswith("_") and (
                code.co_name != "wrapper"):  # (errors.translating's)
            call = code.co_name  # (the outermost wins: the walk goes outwards)
        if code.co_name in STEPS:
            step = code.co_name
            break
        frame = frame.f_back
    return step, call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--ticks", type=int, default=8)
    parser.add_argument("--by-call", action="store_true",
                        help="also print the statements by store method")
    parser.add_argument("--trace", action="store_true",
                        help="also print each statement of the last quiet tick (with the "
                             "directory sync when there is one), with its step and method")
    parser.add_argument("--profile", default="",
                        help="write the quiet ticks' cProfile stats here")
    args = parser.parse_args()

    from sqlalchemy import event

    import service.app as app
    from service.app import job_context, open_store
    from service.jobs.tick import tick

    tenant = tree(args.pairs)
    steps: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    trace: list[str] = []
    overhead = [0.0]  # CPU the counting itself takes, left out of the figures
    per_tick: list[float] = []
    counting = False
    with tempfile.TemporaryDirectory() as tmp:
        settings = sqlite_settings(f"{tmp}/quiet.db")

        def _statement(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if counting:
                t0 = time.process_time()
                step, call = _attribute(sys._getframe(1))
                steps[step] += 1
                calls[call] += 1
                trace.append(f"{step:24} {call:30} {' '.join(statement.split())[:110]}")
                overhead[0] += time.process_time() - t0

        def counted_open_store(*a, **k):  # type: ignore[no-untyped-def]
            store = open_store(*a, **k)
            if not event.contains(store.engine, "before_cursor_execute", _statement):
                event.listen(store.engine, "before_cursor_execute", _statement)
            return store

        app.open_store = counted_open_store  # (job_context looks it up when it runs)

        async def run(now):  # type: ignore[no-untyped-def]
            tenant.now = lambda: now
            async with job_context(settings, now, sandbox=tenant) as ctx:
                return await tick(ctx, now, sync=(now - START) % timedelta(hours=1) == QUIET_EVERY)

        now = START
        for i in range(args.days * 24 // 12 + 1):
            now = START + TICK_EVERY * i
            asyncio.run(run(now))
        # A tick after the last busy one (its changes looked at), then the quiet ones.
        now += QUIET_EVERY
        asyncio.run(run(now))
        counting = True
        cpu = 0.0
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        for _ in range(args.ticks):
            now += QUIET_EVERY
            if not args.ticks >= 4 or (now - START) % timedelta(hours=1) == QUIET_EVERY:
                trace.clear()
            t0, spent = time.process_time(), overhead[0]
            asyncio.run(run(now))
            per_tick.append(time.process_time() - t0 - (overhead[0] - spent))
            cpu += time.process_time() - t0
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
    n = args.ticks
    cpu -= overhead[0]
    total = sum(steps.values())
    print(f"{args.pairs} pairs, {n} quiet ticks 15 min apart (a quarter with the directory "
          f"sync): {total / n:.1f} SQL statements and {cpu / n * 1000:.1f} CPU ms per tick "
          f"(median {statistics.median(per_tick) * 1000:.1f})")
    for step, k in steps.most_common():
        print(f"  {step:26} {k / n:7.2f}")
    if args.by_call:
        print("by store method:")
        for call, k in calls.most_common():
            print(f"  {call:34} {k / n:7.2f}")
    if args.trace:
        print("the statements of one quiet tick:")
        print("\n".join(trace))


if __name__ == "__main__":
    main()

"""Benchmark: one tick with nothing due, after a rollout of N pairs.

    python benchmarks/idle.py                          # 1,000 pairs
    python benchmarks/idle.py --pairs 1000 10000 [--days 7] [--cache DIR] [--profile FILE]

Rolls N pairs out in the sandbox tenant (a deep tree: managers of six, every seventh report a
manager of six in turn, as benchmarks/loop.py), runs ``--days`` of ticks every 12 hours after
it (history: meetings mirrored, agendas written, notes read) and one tick 15 minutes later
(the worker's next run: the first tick after a change looks at what changed), then times
ONE tick half an hour after that, when nothing is due and nothing has changed (the worker's
15-minute tick), and one a minute later with the directory sync (the worker's hourly one, and
every `onetoone tick`). Each runs in a process of its own (the worker as deployed: no sandbox
in it, Graph over loopback HTTP), so its figures are the worker's alone:
Graph requests (counted as Graph meters them: each ``$batch`` step is one), the tick's CPU
seconds, its SQL statements and commits, and the process's peak resident set size.

Targets (issue 11): at most 1 request per manager mailbox, under 5 CPU-seconds at 10,000
pairs, and a peak RSS of at most 150 MB at 10,000 pairs that grows sub-linearly with N.
``--cache DIR`` keeps each size's rolled-out tenant and database, so a second run (after a
code change; the database is upgraded as on any start) skips the rollout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CPU_TARGET_S = 5.0  # at 10,000 pairs
CPU_TARGET_PAIRS = 10_000
RSS_TARGET_MB = 150.0  # at 10,000 pairs
REQUESTS_PER_MAILBOX_TARGET = 1.0
# With the directory sync: its delta read, Graph's answer to "did anyone change?" (none
# without it).
REQUESTS_FLOOR = 1
TICK_EVERY = timedelta(hours=12)
IDLE_AFTER = timedelta(minutes=30)
SETTLE = timedelta(minutes=15)  # the worker's default interval


def _peak_kib() -> int:
    """This process's peak resident set size. (Not getrusage's ru_maxrss: Linux carries it
    over from the parent across fork and exec, so a child started by a large parent would
    report the parent's size.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


# -- the worker process: imports no sandbox, talks HTTP -----------------------------------------


def worker(port: int, db: str, now_text: str, profile: str, sync: bool,
           topics_mailbox: str = "") -> None:
    """One tick as of ``now_text`` against the tenant at ``port`` (with the directory sync
    or not; with a service mailbox or not); prints its figures."""
    import httpx
    from sqlalchemy import event

    from benchmarks.orgs import sqlite_settings
    from service.app import open_store
    from service.graph.auth import StaticTokenProvider
    from service.graph.factory import SANDBOX_GRAPH_URL, build_client
    from service.jobs.context import JobContext
    from service.jobs.tick import tick

    assert not any(m.startswith("service.sandbox") for m in sys.modules), "sandbox imported"
    settings = sqlite_settings(db, topics_mailbox)
    now = datetime.fromisoformat(now_text)
    store = open_store(settings)  # upgrades a cached database, as any start does
    counts: Counter[str] = Counter()
    http: dict[str, int] = {}

    @event.listens_for(store.engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        counts["statements"] += 1

    @event.listens_for(store.engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        counts["commits"] += 1

    class Loopback(httpx.AsyncHTTPTransport):
        """Every request to the tenant's server (the delta links stored by the rollout
        name the sandbox's own address, as Graph's name Graph's)."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
            return await super().handle_async_request(request)

    async def go() -> Any:
        graph = build_client(graph_url=SANDBOX_GRAPH_URL, token_provider=StaticTokenProvider(),
                             inner=Loopback())
        ctx = JobContext(settings=settings, store=store, graph=graph)
        try:
            return await tick(ctx, now, sync=sync)
        finally:
            stats = graph.transport.stats
            http.update(round_trips=stats.requests, throttled=stats.throttled)
            await graph.aclose()

    start_kib = _peak_kib()
    counts.clear()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    cpu0 = time.process_time()
    if profiler is not None:
        profiler.enable()
    result = asyncio.run(go())
    if profiler is not None:
        profiler.disable()
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.dump_stats(profile)
    work = {
        "series created": len(result.schedule.created),
        "series extended": len(result.schedule.extended),
        "occurrence lists": result.occurrences.series if result.occurrences else 0,
        "absence checks": result.absences.checked if result.absences else 0,
        "agendas written": len(result.agenda.injected) if result.agenda else 0,
        "notes read": (len(result.capture.held) + len(result.capture.without_notes))
        if result.capture else 0,
        "mails queued": len(result.mail.queued) if result.mail else 0,
        "mails sent": len(result.mail.sent) if result.mail else 0,
        "failed steps": len(result.failed_steps),
    }
    print(json.dumps({"cpu": cpu, "statements": counts["statements"],
                      "commits": counts["commits"], "start_kib": start_kib,
                      "peak_kib": _peak_kib(), **http,
                      "work": work, "failed": result.failed_steps[:3]}))


# -- the driver: rollout in process, the tenant served over loopback ----------------------------


def serve(tenant: Any) -> tuple[Any, int]:
    """The tenant behind a loopback HTTP server in a thread (as Graph is, to the worker)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx

    from service.sandbox import SandboxTransport

    transport = SandboxTransport(tenant)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = httpx.Request(self.command, "http://" + self.headers["Host"] + self.path,
                                    headers=dict(self.headers), content=body)
            with lock:
                response = transport.handle_request(request)
                data = response.read()
            self.send_response(response.status_code)
            for k, v in response.headers.items():
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _any

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def roll_out(pairs: int, days: int, db: Path) -> tuple[Any, datetime]:
    """The tenant after the rollout and ``days`` of ticks, and the last tick's instant."""
    from benchmarks.orgs import START, sqlite_settings, tree
    from service.app import job_context
    from service.jobs.tick import tick

    tenant = tree(pairs)
    settings = sqlite_settings(str(db))
    created = 0

    async def step(now: datetime) -> Any:
        tenant.now = lambda: now
        async with job_context(settings, now, sandbox=tenant) as ctx:
            return await tick(ctx, now)

    now = START
    for attempt in range(3):  # a throttled create is retried by the next tick
        now = START + timedelta(minutes=attempt)
        created += len(asyncio.run(step(now)).schedule.created)
        if created >= pairs:
            break
    if created < pairs:
        raise SystemExit(f"the rollout created {created} of {pairs} series")
    for i in range(1, days * 24 // 12 + 1):
        now = START + TICK_EVERY * i
        asyncio.run(step(now))
    # The worker's next run after all that: the first tick after changes looks at what
    # changed (every series is new here); the tick measured is one after nothing changed.
    now += SETTLE
    asyncio.run(step(now))
    return tenant, now


def _copy_database(source: Path, target: Path) -> None:
    """A whole copy of a SQLite database, its write-ahead log included (a copy of the file
    alone would miss the latest commits)."""
    import sqlite3

    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def prepared(pairs: int, days: int, tmp: Path, cache: Path | None) -> tuple[Any, Path, datetime]:
    """A rolled-out tenant and its database (from ``cache`` when it holds this size)."""
    from service.sandbox import SandboxTenant

    db = tmp / "idle.db"
    if cache is not None:
        stem = cache / f"idle-{pairs}-{days}d"
        state, saved_db, meta = (stem.with_suffix(".json"), stem.with_suffix(".db"),
                                 stem.with_suffix(".at"))
        if state.exists() and saved_db.exists() and meta.exists():
            _copy_database(saved_db, db)
            last = datetime.fromisoformat(meta.read_text().strip())
            return SandboxTenant.load(state, now=lambda: last), db, last
    started = time.perf_counter()
    tenant, last = roll_out(pairs, days, db)
    print(f"  (rollout of {pairs} pairs and {days} days of ticks: "
          f"{time.perf_counter() - started:.0f} s)", flush=True)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        tenant.save(stem.with_suffix(".json"))
        _copy_database(db, stem.with_suffix(".db"))
        stem.with_suffix(".at").write_text(last.isoformat())
    return tenant, db, last


def measure(pairs: int, days: int, cache: Path | None, profile: str
            ) -> list[dict[str, Any]]:
    """The worker's tick (every 15 minutes), then the tick with the directory sync (hourly,
    and every `onetoone tick`), each in a process of its own, nothing being due."""
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tenant, db, last = prepared(pairs, days, tmp, cache)
        managers = {u["manager_id"] for u in tenant.state["users"].values()
                    if u.get("manager_id")}
        server, port = serve(tenant)
        try:
            for n, sync in enumerate((False, True)):
                at = last + IDLE_AFTER + timedelta(minutes=n)
                data = run_tick(tenant, port, db, at, sync=sync,
                                profile=f"{profile}.sync" if profile and sync else profile)
                data.update(pairs=pairs, managers=len(managers), sync=sync,
                            per_mailbox=data["requests"] / max(len(managers), 1),
                            per_mailbox_max=max((v for k, v in data["mailboxes"].items()
                                                 if k in managers), default=0))
                out.append(data)
        finally:
            server.shutdown()
    return out


def run_tick(tenant: Any, port: int, db: Path, at: datetime, *, sync: bool = True,
             profile: str = "", topics_mailbox: str = "") -> dict[str, Any]:
    """One tick as of ``at`` in a worker process of its own against the tenant served at
    ``port``: the worker's figures, and the Graph requests it made (counted as Graph meters
    them: each ``$batch`` step is one) in all and per mailbox (by user id; directory reads
    name none)."""
    tenant.now = lambda: at
    tenant.reset_counters()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.idle", "--worker", str(port), str(db),
         at.isoformat(), profile, "sync" if sync else "", topics_mailbox],
        capture_output=True, text=True, cwd=ROOT, env=env)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    steps = [(m, p, who) for m, p, who in tenant.requests
             if not p.rstrip("/").endswith("$batch")]
    data.update(requests=len(steps),
                mailboxes=Counter(who for _m, _p, who in steps if who is not None),
                kinds=Counter(f"{m} {p.split('/')[-1]}" for m, p, _ in steps))
    return data


def report(r: dict[str, Any]) -> None:
    n = r["pairs"]
    busy = {k: v for k, v in r["work"].items() if v}
    what = ("the tick with the directory sync (hourly; `onetoone tick`)" if r["sync"]
            else "the worker's tick (every 15 minutes)")
    print(f"{n} pairs, {r['managers']} managers, {what} did: "
          f"{', '.join(f'{k} {v}' for k, v in busy.items()) or 'nothing (nothing was due)'}")
    floor = REQUESTS_FLOOR if r["sync"] else 0
    ratio = f", ratio {r['requests'] / floor:.1f}" if floor else ""
    print(f"  Graph requests   {r['requests']:>8}  (floor {floor}{ratio}); per manager mailbox "
          f"{r['per_mailbox']:.3f}, at most {r['per_mailbox_max']} at one "
          f"(target <= {REQUESTS_PER_MAILBOX_TARGET:.0f}: "
          f"{'met' if r['per_mailbox_max'] <= REQUESTS_PER_MAILBOX_TARGET else 'NOT met'})")
    if r["kinds"]:
        print("                    " + ", ".join(f"{k} x{v}" for k, v in
                                                r["kinds"].most_common(6)))
    if n >= CPU_TARGET_PAIRS:
        verdict = (f"ratio {r['cpu'] / CPU_TARGET_S:.2f}: "
                   f"{'met' if r['cpu'] < CPU_TARGET_S else 'NOT met'}")
    else:
        verdict = "the target is for that size"
    print(f"  CPU seconds      {r['cpu']:>8.2f}  (target < {CPU_TARGET_S:.0f} s at "
          f"{CPU_TARGET_PAIRS:,} pairs; {verdict})")
    print(f"  SQL statements   {r['statements']:>8}  ({r['statements'] / n:.2f} per pair; "
          f"{r['commits']} commits)")
    mb = r["peak_kib"] / 1024
    verdict = (f"ratio {mb / RSS_TARGET_MB:.2f}: {'met' if mb <= RSS_TARGET_MB else 'NOT met'}"
               if n >= CPU_TARGET_PAIRS else "the target is for that size")
    print(f"  peak RSS MiB     {mb:>8.0f}  (after imports {r['start_kib'] / 1024:.0f}; target "
          f"<= {RSS_TARGET_MB:.0f} at {CPU_TARGET_PAIRS:,} pairs; {verdict})", flush=True)


def print_profile(path: str, lines: int = 30) -> None:
    import pstats

    stats = pstats.Stats(path)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] == "sync",
               sys.argv[7] if len(sys.argv) > 7 else "")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[1000])
    parser.add_argument("--days", type=int, default=0,
                        help="days of ticks (every 12 h) between the rollout and the idle tick")
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep rolled-out tenants and databases here, and reuse them")
    parser.add_argument("--profile", default="",
                        help="write the idle tick's cProfile stats here (largest size) and "
                             "print the top entries")
    args = parser.parse_args()
    results = []
    for n in args.pairs:
        profile = args.profile if n == max(args.pairs) else ""
        results.append(measure(n, args.days, args.cache, profile))
        for r in results[-1]:
            report(r)
    if len(results) > 1:
        small, big = results[0], results[-1]
        peak = [max(r["peak_kib"] for r in rs) for rs in (small, big)]
        scale = big[0]["pairs"] / small[0]["pairs"]
        print(f"peak RSS grows {peak[1] / peak[0]:.2f}x for {scale:.0f}x the pairs "
              f"({'sub-linear' if peak[1] / peak[0] < scale else 'NOT sub-linear'}); CPU "
              + ", ".join(f"{b['cpu'] / max(a['cpu'], 1e-9):.1f}x" for a, b in zip(
                  small, big, strict=True))
              + "; SQL statements " + ", ".join(
                  f"{b['statements'] / max(a['statements'], 1):.1f}x"
                  for a, b in zip(small, big, strict=True)))
    if args.profile:
        print_profile(args.profile)
        print_profile(f"{args.profile}.sync")


if __name__ == "__main__":
    main()

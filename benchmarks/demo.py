"""Benchmark: `onetoone demo` from a fresh folder, against its 10 s target, and how fast the
sandbox answers the calendar reads it serves (getSchedule and calendarView calls/s).

    python benchmarks/demo.py                  # three runs of the demo, 200 calls of each read
    python benchmarks/demo.py --runs 1 --calls 20

Each run is the command people run (`python -m service demo`, a new process, a new scratch
folder, a fixed ``--now`` so every run walks the same weeks): wall time as they wait for it,
and the CPU time of the process. The sandbox reads are then timed on the tenant that run
left behind (twelve people, six weeks of series, moved and cancelled meetings, agendas):
each manager's getSchedule for them and their reports over eight weeks, as scheduling asks,
and each person's calendarView over the six months the demo's pages show.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.sandbox import SandboxTenant
from service.sandbox.wire import Request, graph_time

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TARGET_SECONDS = 10.0
BASE = "https://graph.microsoft.com/v1.0"


def run_demo(out: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one `python -m service demo` into ``out``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "service", "demo", "--out", str(out),
                           "--now", NOW.strftime("%Y-%m-%dT%H:%M:%SZ")],
                          cwd=out.parent, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"the demo failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _window(start: datetime, end: datetime) -> dict[str, dict[str, str]]:
    return {"startTime": {"dateTime": graph_time(start), "timeZone": "UTC"},
            "endTime": {"dateTime": graph_time(end), "timeZone": "UTC"}}


def sandbox_reads(state: Path, calls: int) -> list[tuple[str, float, float]]:
    """(read, calls/s, items per call) for getSchedule and calendarView on a saved tenant."""
    tenant = SandboxTenant.load(state, now=lambda: NOW)
    users = [u for u in tenant.state["users"].values() if u.get("accountEnabled")]
    teams: dict[str, list[str]] = {}
    for user in users:
        if user.get("manager_id") in tenant.state["users"]:
            teams.setdefault(user["manager_id"], []).append(user["mail"])
    people = tenant.state["users"]
    schedule = [Request(method="POST", path=f"/users/{manager}/calendar/getSchedule",
                        query={}, headers={}, base=BASE,
                        body={"schedules": [people[manager]["mail"], *reports],
                              **_window(NOW, NOW + timedelta(weeks=8)),
                              "availabilityViewInterval": 30})
                for manager, reports in sorted(teams.items())]
    window = {"startDateTime": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "endDateTime": (NOW + timedelta(weeks=26)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    view = [Request(method="GET", path=f"/users/{u['id']}/calendarView", base=BASE,
                    query={**window, "$top": "1000"}, headers={}, body=None) for u in users]
    out = []
    for name, requests in (("getSchedule", schedule), ("calendarView", view)):
        items = 0
        started = time.perf_counter()
        for n in range(calls):
            response = tenant.dispatch(requests[n % len(requests)])
            if response.status != 200:
                raise SystemExit(f"{name} answered {response.status}: {response.body}")
            values = (response.body or {})["value"]
            items += (sum(len(v.get("scheduleItems") or []) for v in values)
                      if name == "getSchedule" else len(values))
        elapsed = time.perf_counter() - started
        out.append((name, calls / elapsed, items / calls))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="demo runs (each from scratch)")
    parser.add_argument("--calls", type=int, default=200, help="sandbox calls per read")
    args = parser.parse_args()
    walls, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            out = Path(tmp) / f"run{n}" / "demo-out"
            out.parent.mkdir()
            wall, cpu = run_demo(out)
            walls.append(wall)
            cpus.append(cpu)
        reads = sandbox_reads(out / "sandbox-tenant.json", args.calls)
    wall = statistics.median(walls)
    print(f"onetoone demo, fresh folder, --now {NOW:%Y-%m-%d %H:%M} UTC, {args.runs} run(s)")
    print(f"{'':>22} {'median':>8} {'best':>8} {'target':>8} {'median/target':>14}")
    print(f"{'wall s':>22} {wall:>8.1f} {min(walls):>8.1f} {TARGET_SECONDS:>8.1f} "
          f"{wall / TARGET_SECONDS:>14.2f}")
    print(f"{'CPU s (user+sys)':>22} {statistics.median(cpus):>8.1f} {min(cpus):>8.1f}")
    print("sandbox reads on the tenant the demo left (requests through its router)")
    print(f"{'read':>22} {'calls/s':>8} {'items/call':>11}")
    for name, rate, items in reads:
        print(f"{name:>22} {rate:>8.0f} {items:>11.1f}")


if __name__ == "__main__":
    main()

"""Benchmark: the worker's resident memory with N pairs (1,000 and 10,000 by default).

    python benchmarks/memory.py [--pairs 1000 10000]

The sandbox tenant runs in its own process behind a loopback HTTP server, and the worker
(its first, largest run: every series created) runs in another, talking to it over real
HTTP exactly as it would to Microsoft Graph — so the figure is the worker's alone
(peak resident set size, the kernel's VmHWM). benchmarks/idle.py measures a tick with nothing
due the same way.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERVER = r"""
import sys, threading
sys.path.insert(0, {root!r})
from benchmarks.idle import serve
from benchmarks.orgs import flat as organisation
server, port = serve(organisation(int(sys.argv[1])))
print(port, flush=True)
threading.Event().wait()  # the server runs in its thread until this process is stopped
"""

WORKER = r"""
import asyncio, dataclasses, json, sys
sys.path.insert(0, {root!r})
import httpx
from benchmarks.orgs import FLAT_NOW as NOW
from service.app import open_store
from service.config import default_settings
from service.graph.auth import StaticTokenProvider
from service.graph.factory import build_client
from service.jobs.context import JobContext
from service.jobs.tick import tick
port, pairs, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = default_settings()
settings = dataclasses.replace(base, database=dataclasses.replace(base.database,
                                                                  url="sqlite:///" + db))
async def go():
    graph = build_client(graph_url=f"http://127.0.0.1:{{port}}/v1.0",
                         token_provider=StaticTokenProvider(), inner=httpx.AsyncHTTPTransport())
    ctx = JobContext(settings=settings, store=open_store(settings), graph=graph)
    try:
        return await tick(ctx, NOW)
    finally:
        await graph.aclose()
def peak_kib():
    # Not getrusage's ru_maxrss: Linux carries it over from the parent across exec.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
before = peak_kib()
result = asyncio.run(go())
assert len(result.schedule.created) == pairs, result.schedule.failed[:3]
print(json.dumps({{"start_kib": before, "peak_kib": peak_kib()}}))
"""


def measure(pairs: int, tmp: str) -> tuple[int, int, float]:
    server = subprocess.Popen([sys.executable, "-c", SERVER.format(root=str(ROOT)), str(pairs)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        port = server.stdout.readline().strip()  # type: ignore[union-attr]
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", WORKER.format(root=str(ROOT)), port,
                              str(pairs), f"{tmp}/m.db"],
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode:
            raise SystemExit(out.stderr[-3000:])
        wall = time.perf_counter() - started
    finally:
        server.kill()
        server.wait()
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["start_kib"], data["peak_kib"], wall


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[1000, 10000])
    args = parser.parse_args()
    print(f"{'pairs':>7} {'after imports MiB':>18} {'peak RSS MiB':>13} {'run s':>7}")
    for n in args.pairs:
        with tempfile.TemporaryDirectory() as tmp:
            start, peak, wall = measure(n, tmp)
        print(f"{n:>7} {start / 1024:>18.0f} {peak / 1024:>13.0f} {wall:>7.1f}", flush=True)


if __name__ == "__main__":
    main()

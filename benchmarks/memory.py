"""Benchmark: the worker's resident memory with N pairs (1,000 and 10,000 by default).

    python benchmarks/memory.py [--pairs 1000 10000]

Each figure comes from a fresh process. The sandbox tenant (the stand-in for Microsoft
Graph) lives in the same process and grows as series, attendee copies and invitations are
created, so a third process loads the sandbox as it stands *after* the run and that is
subtracted: worker ~= (sandbox + worker run) - (sandbox holding the same final state).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import asyncio, dataclasses, json, resource, sys
sys.path.insert(0, {root!r})
from benchmarks.schedule import NOW, organisation
from service.app import job_context
from service.config import default_settings
from service.graph.sandbox import SandboxTenant
import service.jobs.tick, service.graph.factory  # imported in both modes, like the worker
pairs, mode, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if mode == "after":
    tenant = SandboxTenant.load(db + ".sandbox.json")
else:
    tenant = organisation(pairs)
if mode == "worker":
    base = default_settings()
    settings = dataclasses.replace(base, database=dataclasses.replace(base.database,
                                                                      url="sqlite:///" + db))
    async def go():
        async with job_context(settings, NOW, sandbox=tenant) as ctx:
            return await service.jobs.tick.tick(ctx, NOW)
    result = asyncio.run(go())
    assert len(result.schedule.created) == pairs, result.schedule.failed[:3]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tenant.save(db + ".sandbox.json")
    print(json.dumps({{"maxrss_kib": rss}}))
    sys.exit(0)
print(json.dumps({{"maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def measure(pairs: int, mode: str, tmp: str) -> int:
    code = CHILD.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, str(pairs), mode, f"{tmp}/m.db"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return int(json.loads(out.stdout.strip().splitlines()[-1])["maxrss_kib"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="*", default=[1000, 10000])
    args = parser.parse_args()
    print(f"{'pairs':>7} {'sandbox+worker MiB':>19} {'sandbox after MiB':>18} "
          f"{'worker MiB':>11}")
    for n in args.pairs:
        with tempfile.TemporaryDirectory() as tmp:
            both = measure(n, "worker", tmp)
            after = measure(n, "after", tmp)
        print(f"{n:>7} {both / 1024:>19.0f} {after / 1024:>18.0f} "
              f"{(both - after) / 1024:>11.0f}", flush=True)


if __name__ == "__main__":
    main()

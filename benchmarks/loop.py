"""Benchmark: Graph requests per held meeting in the steady state, everything included.

    python benchmarks/loop.py [--pairs 300] [--weeks 8] [--hours 12] [--service-mailbox]
                              [--prep-email]

Runs the worker's whole tick (directory sync, scheduling and its checks, absences, the
calendar reads, agendas, notes read-back, mail) every ``--hours`` over simulated weeks
against the sandbox tenant, after the first rollout, and counts every Graph request the
way Graph meters them (each ``$batch`` step is one; the ``$batch`` envelope is not counted
again). Managers have six reports each, some of them managers too; half the managers type
notes into their meetings. Prints the requests per held meeting against the floor (about
3: the agenda write, one read of the typed notes, the summary) and the issue's target (4).
With ``--service-mailbox`` the deployment has ``[mail] topics_mailbox`` (topics, replies and
rebooking picks arrive there, read once per run for everyone, instead of each manager's Sent
Items); ``--prep-email`` also sends each report a prep mail before each meeting (a send per
meeting more: a feature's cost, not the loop's).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.orgs import START, sqlite_settings, tree
from service.app import job_context
from service.jobs.tick import tick
from service.sandbox import SandboxTenant

FLOOR = 3.0  # agenda write + one read of the notes + the summary, per held meeting
TARGET = 4.0  # issue 11: everything included
KINDS = (  # (label, method, path pattern), first match wins
    ("calendar delta", "GET", r"/calendarView/delta$"),
    ("series instances", "GET", r"/events/[^/]+/instances$"),
    ("event read", "GET", r"/events/[^/]+$"),
    ("agenda/series write", "PATCH", r"/events/"),
    ("series create", "POST", r"/events$"),
    ("cancel", "POST", r"/cancel$"),
    ("free/busy", "POST", r"/getSchedule$"),
    ("calendar view", "GET", r"/calendarView$"),
    ("directory", "GET", r"^/users(/delta)?$|/manager$|/directReports"),
    ("mailbox settings", "GET", r"/mailboxSettings$"),
    ("send mail", "POST", r"/sendMail$"),
    ("mail read", "GET", r"/messages|/mailFolders"),
)


# Reads of a manager's calendar (the per-manager bound below merges them per tick).
CALENDAR_READS = ("calendar delta", "series instances", "event read", "calendar view")


def kind(method: str, path: str) -> str:
    for label, m, pattern in KINDS:
        if m == method and re.search(pattern, path):
            return label
    return f"other {method}"


def type_notes(ctx, tenant: SandboxTenant, now: datetime, typed: set[str]) -> None:
    """Half the managers type a note into each meeting after it ends (no update sent)."""
    for view in ctx.store.views(["active"]):
        if sum(map(ord, view.manager.email)) % 2:  # deterministic, unlike hash()
            continue
        for occ in ctx.store.pairing_occurrences(view.pairing.id):
            if occ.end > now or not occ.event_id or occ.event_id in typed or (
                    occ.agenda_state != "injected"):
                continue
            html = tenant.person_body(view.manager.email, occ.event_id)
            html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + "<p>ok</p>",
                          html)
            tenant.person_edit_body(view.manager.email, occ.event_id, html)
            typed.add(occ.event_id)


def steady_state(pairs: int, weeks: int, hours: int, service_mailbox: bool = False,
                 prep_email: bool = False) -> dict[str, float]:
    tenant = tree(pairs)
    box = "onetoone@bench.example"
    if service_mailbox:
        tenant.add_user("onetoone service", box)
    counts: Counter[str] = Counter()
    held = agendas = 0
    merged_reads = 0  # mailboxes whose calendar a tick reads, summed over the ticks
    typed: set[str] = set()
    cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        settings = sqlite_settings(f"{tmp}/b.db", box if service_mailbox else "",
                                   prep_email=prep_email)

        async def step(now: datetime, first: bool) -> None:
            nonlocal held, agendas, cpu, merged_reads
            tenant.now = lambda: now
            async with job_context(settings, now, sandbox=tenant) as ctx:
                if not first:
                    type_notes(ctx, tenant, now, typed)
                tenant.reset_counters()
                t0 = time.process_time()
                result = await tick(ctx, now)
                if first:
                    return
                cpu += time.process_time() - t0
                reading: set[str] = set()
                for method, path, who in tenant.requests:
                    if path.rstrip("/").endswith("$batch"):
                        continue
                    label = kind(method, path)
                    counts[label] += 1
                    if label in CALENDAR_READS:
                        reading.add(who or path)
                merged_reads += len(reading)
                if result.capture is not None:
                    held += len(result.capture.held) + len(result.capture.without_notes)
                if result.agenda is not None:
                    agendas += len(result.agenda.injected)

        ticks = weeks * 7 * 24 // hours
        for i in range(ticks):
            asyncio.run(step(START + timedelta(hours=hours * i), i == 0))
    total = sum(counts.values())
    per = total / max(held, 1)
    print(f"{pairs} pairs, {weeks} weeks, a tick every {hours} h ({ticks - 1} ticks after "
          f"the rollout){', with a service mailbox' if service_mailbox else ''}"
          f"{' and prep mails' if service_mailbox and prep_email else ''}: {agendas} "
          f"agendas written, {held} meetings held and read back")
    for label, n in counts.most_common():
        print(f"  {label:22} {n:7}  {n / max(held, 1):6.2f} per held meeting")
    print(f"  requests per held meeting: {per:.2f} (floor {FLOOR:.0f}, ratio {per / FLOOR:.2f}; "
          f"target <= {TARGET:.0f}: {'met' if per <= TARGET else 'NOT met'})")
    # What merging every calendar read of one manager in one tick into a single request
    # would leave: the calendar reads are taken at separate times (the listing when an
    # agenda falls due, the eve check, the notes read after the end, the re-reads), so even
    # that bound stays above the target.
    reads = sum(counts[label] for label in CALENDAR_READS)
    bound = (total - reads + merged_reads) / max(held, 1)
    print(f"  calendar reads: {reads / max(held, 1):.2f} per held meeting; one per manager "
          f"per tick at most would be {merged_reads / max(held, 1):.2f}, and "
          f"{bound:.2f} requests per held meeting in all")
    print(f"  tick CPU: {cpu / max(ticks - 1, 1):.3f} s per tick on average")
    return {"per_meeting": per, "held": held, "total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--hours", type=int, default=12)
    parser.add_argument("--service-mailbox", action="store_true")
    parser.add_argument("--prep-email", action="store_true",
                        help="with --service-mailbox: prep mails too")
    args = parser.parse_args()
    steady_state(args.pairs, args.weeks, args.hours, args.service_mailbox, args.prep_email)


if __name__ == "__main__":
    main()

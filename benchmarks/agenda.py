"""Benchmark: Graph requests per meeting for the whole loop after scheduling (occurrence
sync, agenda injection, notes capture, summary mail), and the time to build and render one
agenda.

    python benchmarks/agenda.py [--pairs 60] [--weeks 8]

Runs the worker's jobs every 12 hours over simulated weeks against the sandbox tenant
(managers type notes into half the meetings) and counts HTTP round trips per job.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.app import job_context
from service.config import default_settings
from service.domain.agenda import AgendaPolicy, OpenAction, Topic, build_agenda
from service.domain.body import MARKERS
from service.domain.questions import load_bank, pick_question
from service.jobs.agenda import AgendaReport, inject_agendas
from service.jobs.capture import CaptureReport, capture_notes
from service.jobs.occurrences import sync_occurrences
from service.jobs.outbox import queue_mail, send_outbox
from service.jobs.tick import tick
from service.render import default_folder, render
from service.sandbox import SandboxTenant

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def organisation(pairs: int) -> SandboxTenant:
    tenant = SandboxTenant(seed=f"bench-agenda-{pairs}", now=lambda: START)
    made, m = 0, 0
    while made < pairs:
        manager = tenant.add_user(f"Manager {m}", f"manager{m}@bench.example",
                                  hire_date=date(2018, 1, 1))
        for r in range(min(6, pairs - made)):
            tenant.add_user(f"Report {m}-{r}", f"report{m}.{r}@bench.example", manager=manager,
                            hire_date=date(2021, 1, 1))
            made += 1
        m += 1
    return tenant


def loop(pairs: int, weeks: int) -> None:
    tenant = organisation(pairs)
    counts = {"occurrences": 0, "agenda": 0, "capture": 0, "mail": 0}
    injected = captured = held = 0
    typed: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        base = default_settings()
        settings = dataclasses.replace(
            base, database=dataclasses.replace(base.database, url=f"sqlite:///{tmp}/b.db"))

        async def step(now: datetime, first: bool) -> None:
            nonlocal injected, captured, held
            tenant.now = lambda: now
            async with job_context(settings, now, sandbox=tenant) as ctx:
                if first:
                    await tick(ctx, now)
                    return
                _type_notes(ctx, tenant, now, typed)
                for name, job in (("occurrences", sync_occurrences), ("capture", capture_notes),
                                  ("agenda", inject_agendas), ("mail", queue_mail),
                                  ("mail", send_outbox)):
                    before = ctx.graph.transport.stats.requests
                    result = await job(ctx, now)
                    counts[name] += ctx.graph.transport.stats.requests - before
                    if isinstance(result, AgendaReport):
                        injected += len(result.injected) + len(result.updated)
                    if isinstance(result, CaptureReport):
                        captured += len(result.held) + len(result.without_notes)
                        held += len(result.held)

        for i in range(weeks * 14):
            asyncio.run(step(START + timedelta(hours=12 * i), i == 0))
    meetings = max(injected, 1)
    print(f"{pairs} pairs over {weeks} weeks: {injected} agendas written, {captured} meetings "
          f"read back ({held} with notes: half the managers type notes)")
    print(f"  Graph requests: occurrence sync {counts['occurrences']}, agenda "
          f"{counts['agenda']}, capture {counts['capture']}, mail {counts['mail']}")
    print(f"  per meeting: sync {counts['occurrences'] / meetings:.2f} + agenda "
          f"{counts['agenda'] / meetings:.2f} + capture {counts['capture'] / max(captured, 1):.2f}"
          f" + mail {counts['mail'] / max(captured, 1):.2f} (summary or reminder) = "
          f"{sum(counts.values()) / meetings:.2f} for the whole loop")


def _type_notes(ctx, tenant: SandboxTenant, now: datetime, typed: set[str]) -> None:
    """Half the managers type a note into each meeting after it ends."""
    import re

    for view in ctx.store.views(["active"]):
        if int(view.manager.email.split("@")[0].removeprefix("manager")) % 2:
            continue
        for occ in ctx.store.pairing_occurrences(view.pairing.id):
            if occ.end > now or occ.event_id in typed or occ.agenda_state != "injected":
                continue
            html = tenant.person_body(view.manager.email, occ.event_id)
            html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + "<p>ok</p>",
                          html)
            tenant.person_edit_body(view.manager.email, occ.event_id, html)
            typed.add(occ.event_id)


def render_timing(rounds: int = 500) -> None:
    bank = load_bank((default_folder() / "questions.toml").read_text())
    topics = [Topic(id=i, text=f"Topic {i} about the roadmap & <things>", by="report" if i % 3
                    else "manager", raised_on=date(2026, 11, 1 + i)) for i in range(1, 6)]
    actions = [OpenAction(id=i, owner="Alex Kim", text=f"Action {i}", due=date(2026, 12, i + 1),
                          raised_on=date(2026, 11, 2), carried=i % 3) for i in range(1, 6)]
    start = datetime(2026, 12, 8, 10, 30, tzinfo=ZoneInfo("Europe/London"))
    samples = []
    for n in range(rounds):
        t0 = time.perf_counter()
        agenda = build_agenda(meeting_start=start, manager_name="Sam Lee", report_name="Alex Kim",
                              topics=topics, open_actions=actions, meeting_number=n + 1,
                              last_development_on=None, policy=AgendaPolicy(),
                              question=pick_question(bank, [], "p-1", n + 1))
        render("agenda.html.j2", agenda=agenda, markers=MARKERS)
        samples.append(time.perf_counter() - t0)
    samples.sort()
    print(f"build + render one agenda (5 topics, 5 actions): median "
          f"{statistics.median(samples) * 1000:.2f} ms, p95 "
          f"{samples[int(len(samples) * 0.95)] * 1000:.2f} ms over {rounds} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()
    render_timing()
    loop(args.pairs, args.weeks)


if __name__ == "__main__":
    main()

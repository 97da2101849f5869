"""Soak: the whole loop on a realistic organisation over simulated weeks, invariants checked.

    python benchmarks/soak.py [--people 150] [--weeks 12] [--seed 1] [--db URL]
                              [--hours 12] [--outage-week 5] [--log FILE]

About ``--people`` people in a five-level tree in London, New York and Sydney (part-timers,
new starters, hand-made 1-2-1s of every kind; see benchmarks/soak_people.py) against the
sandbox tenant, a tick every ``--hours``. Each simulated week brings movers, joiners,
leavers, relocations, renames, leave (one manager three weeks of it), series deleted, re-timed or
shortened in Outlook, meetings cancelled or declined; managers type notes, reports answer
prep mails and pick rebooking offers. In week ``--outage-week`` the worker is down for two
days. After every tick the invariants of benchmarks/soak_checks.py are checked.

Prints the figures (pairs, series, meetings, mail, pairings by status, the service's
warnings), the documented limitations met (counted, not breaks) and every broken invariant
with the steps that touched its people before it. Exits 1 if an invariant broke. A seed
replays the same weeks. With ``--db`` give an empty database (a PostgreSQL URL works).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.orgs import START
from benchmarks.soak_checks import Break, Checks
from benchmarks.soak_people import BOX, DOMAIN, GROUP_NY, GROUP_SYD, HOLIDAYS, People
from service.app import job_context
from service.config import Settings, default_settings
from service.jobs.tick import TickReport, tick
from service.sandbox import SandboxTenant
from service.store.db import make_engine, upgrade
from service.store.repo import Store

OUTAGE = timedelta(days=2)
STEPS_SHOWN = 12  # the steps printed before each break


class Warnings(logging.Handler):
    """Counts the service's warnings by event name instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[str(record.msg)] += 1


async def no_sleep(_s: float) -> None:
    return None


def soak_settings(tenant: SandboxTenant, db: str, tmp: str) -> Settings:
    groups = {g["displayName"]: gid for gid, g in tenant.state["groups"].items()}
    base = default_settings()
    return dataclasses.replace(
        base,
        database=dataclasses.replace(base.database, url=db),
        microsoft=dataclasses.replace(base.microsoft, sandbox_state=Path(tmp) / "sandbox.json"),
        mail=dataclasses.replace(base.mail, topics_mailbox=BOX, prep_email=True),
        holidays=dataclasses.replace(base.holidays, groups=tuple(
            (groups[g], HOLIDAYS[g]) for g in (GROUP_NY, GROUP_SYD))),
    )


class Soak:
    def __init__(self, people: int, seed: int, db: str, tmp: str) -> None:
        self.tenant = SandboxTenant(seed=f"soak-{seed}", domain=DOMAIN, now=lambda: START)
        for group in (GROUP_NY, GROUP_SYD):
            self.tenant.add_group(group)
        self.store = Store(make_engine(db))
        upgrade(self.store.engine)
        self.people = People(self.tenant, self.store, seed, START)
        self.people.build(people)
        self.tenant.add_user("onetoone service", BOX, hire_date=date(2015, 1, 1))
        self.people.hand_made()
        self.settings = soak_settings(self.tenant, db, tmp)
        self.checks = Checks(self.people)
        self.checks.subject = self.settings.series_policy().subject

    def tick(self, now: datetime) -> TickReport:
        self.tenant.now = lambda: now

        async def go() -> TickReport:
            async with job_context(self.settings, now, sandbox=self.tenant,
                                   graph_options={"sleep": no_sleep}) as ctx:
                return await tick(ctx, now)

        return asyncio.run(go())

    def run(self, weeks: int, hours: int, outage_week: int) -> dict[str, Any]:
        figures: Counter[str] = Counter()
        down_from = START + timedelta(weeks=outage_week - 1, days=2) if outage_week else None
        now, week = START, 0
        while now < START + timedelta(weeks=weeks):
            if now >= START + timedelta(weeks=week + 1):
                week += 1
                self.people.directory_changes(now)
                self.people.calendar_changes(now, week)
            self.people.type_notes(now)
            self.people.answer_mail(now)
            if down_from and down_from <= now < down_from + OUTAGE:
                if not figures["ticks skipped"]:
                    self.people.did(now, "worker down for two days")
                figures["ticks skipped"] += 1
            else:
                report = self.tick(now)
                figures["ticks"] += 1
                for part in ("created", "adopted", "ended", "deleted_by_manager", "moved"):
                    figures[f"series {part}"] += len(getattr(report.schedule, part))
                for brk in self.checks.all(now, report):
                    print("BREAK", brk, flush=True)
            now += timedelta(hours=hours)
        return dict(figures)

    def steps_before(self, brk: Break) -> list[str]:
        """The log's steps that name one of the break's people, up to the break."""
        when = f"{brk.at:%Y-%m-%d %H:%M}"
        lines = [line for line in self.people.log if line[:16] <= when
                 and any(w in line.lower() for w in brk.who)]
        return lines[-STEPS_SHOWN:]


def what(line: str) -> str:
    """A log line's kind of step: its words before the first person or parenthesis."""
    words = []
    for word in line[17:].split():
        if "@" in word or word.startswith("(") or word[0].isdigit():
            break
        words.append(word.rstrip(":"))
    return " ".join(words)


def summary(soak: Soak, figures: dict[str, Any], warnings: Warnings, seconds: float) -> None:
    store = soak.store
    print(f"{figures.get('ticks', 0)} ticks in {seconds:.0f} s, "
          f"{figures.get('ticks skipped', 0)} skipped while the worker was down; "
          f"{len(soak.people.pairs())} pairs, "
          f"{len(soak.tenant.state['users']) - 1} people at the end")
    meetings = Counter(o.status for p in store.pairings()
                       for o in store.pairing_occurrences(p.id))
    print("pairings:", dict(Counter(str(p.status) for p in store.pairings())))
    print("series:", {k[7:]: n for k, n in figures.items() if k.startswith("series ")})
    print("meetings:", dict(meetings))
    print("mail:", dict(Counter(f"{m.kind} {m.status}" for m in store.outbox())))
    print("what people did:", dict(Counter(map(what, soak.people.log))))
    print("service warnings:", dict(warnings.counts))
    if soak.checks.known:
        print(f"known limitations met ({len(soak.checks.known)}):")
        for line in sorted(soak.checks.known):
            print(f"    {line}")
    for brk in soak.checks.breaks:
        print(f"\nBROKEN {brk}")
        for line in soak.steps_before(brk):
            print(f"    {line}")
    print(f"\n{len(soak.checks.breaks)} invariants broken")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="", help="a database URL (default: a temporary "
                        "SQLite file); the database should be empty")
    parser.add_argument("--hours", type=int, default=12, help="between ticks")
    parser.add_argument("--outage-week", type=int, default=5,
                        help="the week the worker is down for two days (0: never)")
    parser.add_argument("--log", default="", help="write every step people took here")
    args = parser.parse_args(argv)
    warnings = Warnings()
    logging.getLogger().addHandler(warnings)
    with tempfile.TemporaryDirectory() as tmp:
        soak = Soak(args.people, args.seed, args.db or f"sqlite:///{tmp}/soak.db", tmp)
        print(f"seed {args.seed}: {len(soak.people.pairs())} pairs, {soak.people.n} people, "
              f"{args.weeks} weeks, a tick every {args.hours} h", flush=True)
        began = time.monotonic()
        figures = soak.run(args.weeks, args.hours, args.outage_week)
        summary(soak, figures, warnings, time.monotonic() - began)
        if args.log:
            Path(args.log).write_text("\n".join(
                [*soak.people.log, "--", *map(str, soak.checks.breaks)]) + "\n")
        soak.store.engine.dispose()
    return 1 if soak.checks.breaks else 0


if __name__ == "__main__":
    sys.exit(main())

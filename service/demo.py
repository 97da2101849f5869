"""`onetoone demo`: the whole scheduling loop against the sandbox tenant, no account needed.

It schedules a small sandbox organisation, then writes what each person would see in
Outlook (their calendar for the coming months) as HTML under the output folder. State (the
SQLite database and the sandbox tenant) lives in the same folder, so a second run finds
everything in place and creates nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from service.app import job_context, load_sandbox, save_sandbox
from service.config import default_settings
from service.domain.timezones import to_iana
from service.graph.client import parse_graph_datetime
from service.jobs.schedule import describe_slot
from service.jobs.tick import tick
from service.render import render

HORIZON = timedelta(weeks=26)


def demo_settings(out: Path) -> Any:
    """Built-in defaults, with state kept in the demo folder (ignores ./onetoone.toml)."""
    base = default_settings()
    return dataclasses.replace(
        base,
        database=dataclasses.replace(base.database, url=f"sqlite:///{(out / 'demo.db')}"),
        microsoft=dataclasses.replace(base.microsoft,
                                      sandbox_state=str(out / "sandbox-tenant.json")),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


async def _run(out: Path, now: datetime, console: Console) -> None:
    settings = demo_settings(out)
    tenant = load_sandbox(settings, now)
    async with job_context(settings, now, sandbox=tenant) as ctx:
        result = await tick(ctx, now)
        users = [u for u in await ctx.graph.list_users() if u.enabled]
        infos = await ctx.graph.mailbox_settings([u.id for u in users])
        calendars: dict[str, list[dict[str, Any]]] = {}
        for user in users:
            calendars[user.id] = await ctx.graph.calendar_view(user.id, now, now + HORIZON)
        views = ctx.store.views()
    save_sandbox(settings, tenant)

    people = []
    for user in sorted(users, key=lambda u: u.name):
        info = infos.get(user.id)
        zone_name = (info.time_zone if info and info.time_zone else "UTC")
        try:
            zone = ZoneInfo(to_iana(zone_name))
        except (ValueError, KeyError):
            zone = ZoneInfo("UTC")
        months: dict[str, list[dict[str, str]]] = defaultdict(list)
        for event in sorted(calendars[user.id], key=lambda e: e["start"]["dateTime"]):
            start = parse_graph_datetime(event["start"]).astimezone(zone)
            end = parse_graph_datetime(event["end"]).astimezone(zone)
            months[start.strftime("%B %Y")].append({
                "day": start.strftime("%a %d %b"),
                "time": f"{start:%H:%M}–{end:%H:%M}",
                "subject": event.get("subject") or "(no subject)",
                "one_to_one": (event.get("subject") or "").startswith("1-2-1"),
                "organizer": ((event.get("organizer") or {}).get("emailAddress") or {})
                .get("name", ""),
                "teams": bool(event.get("isOnlineMeeting")),
            })
        page = f"people/{_slug(user.name)}.html"
        people.append({"name": user.name, "email": user.email, "zone": str(zone),
                       "page": page, "count": sum(1 for m in months.values() for e in m
                                                  if e["one_to_one"])})
        (out / "people").mkdir(parents=True, exist_ok=True)
        (out / page).write_text(render("demo_person.html.j2", person=people[-1],
                                       months=dict(months), generated=now.strftime("%Y-%m-%d")))

    rows = []
    for view in views:
        rows.append({
            "manager": view.manager.name, "report": view.report.name,
            "cadence": view.pairing.cadence, "why": view.pairing.cadence_reason,
            "status": view.pairing.status,
            "series": describe_slot(view.series) if view.series else (view.pairing.note or "—"),
            "manager_page": f"people/{_slug(view.manager.name)}.html",
            "report_page": f"people/{_slug(view.report.name)}.html",
        })
    (out / "index.html").write_text(render("demo_index.html.j2", rows=rows, people=people,
                                           generated=now.strftime("%Y-%m-%d %H:%M UTC"),
                                           summary=result.schedule.summary()))

    table = Table("manager", "report", "cadence", "why", "series", title="onetoone demo")
    for row in rows:
        table.add_row(*(escape(row[k]) for k in ("manager", "report", "cadence", "why",
                                                  "series")))
    console.print(table)
    s = result.schedule.summary()
    console.print(
        f"This run: created {s['created']} series, adopted {s['adopted']}, extended "
        f"{s['extended']}, ended {s['ended']}, failed {s['failed']}. Run it again: nothing is "
        "duplicated."
    )
    for line in result.schedule.failed:
        console.print("[red]failed:[/red] " + escape(line))
    console.print(f"Open [bold]{out / 'index.html'}[/bold] to see each person's calendar "
                  f"for the next six months (one page per person under {out / 'people'}/).")


def run_demo(out: Path, now: datetime, console: Console) -> None:
    """Run the demo as of ``now`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(_run(out.resolve(), now, console))

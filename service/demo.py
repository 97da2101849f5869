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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from service.app import job_context, load_sandbox, open_store, sandbox_state_lock, save_sandbox
from service.config import Settings, default_settings
from service.domain.attendance import missed_flag, outcome
from service.domain.events import CalendarEvent
from service.domain.htmltext import html_to_text
from service.domain.own_series import is_own
from service.domain.status import AgendaState, OccurrenceStatus, PairingStatus
from service.domain.timezones import to_iana
from service.graph.client import parse_graph_datetime
from service.jobs.series_plan import series_cell
from service.jobs.tick import tick
from service.render import render
from service.sandbox.org import DOMAIN
from service.sandbox.wire import GraphFault
from service.store.repo import Store

HORIZON = timedelta(weeks=26)


# The organisation's service mailbox: topics, replies to summaries and private notes arrive
# there, so the demo shows the report leading from Outlook.
SERVICE_MAILBOX = f"onetoone@{DOMAIN}"


def demo_settings(out: Path) -> Settings:
    """Built-in defaults, with state kept in the demo folder (ignores ./onetoone.toml) and
    a service mailbox, as the admin guide recommends."""
    base = default_settings()
    return dataclasses.replace(
        base,
        database=dataclasses.replace(base.database, url=f"sqlite:///{(out / 'demo.db')}"),
        microsoft=dataclasses.replace(base.microsoft,
                                      sandbox_state=out / "sandbox-tenant.json"),
        mail=dataclasses.replace(base.mail, topics_mailbox=SERVICE_MAILBOX),
        pairs=dataclasses.replace(base.pairs,
                                  exclude=(*base.pairs.exclude, SERVICE_MAILBOX)),
    )


def _service_mailbox(tenant: Any) -> None:
    """The service mailbox exists in the tenant (a sandbox saved by an older demo lacks it)."""
    try:
        tenant.user(SERVICE_MAILBOX)
    except (KeyError, LookupError, ValueError):
        tenant.add_user("onetoone", SERVICE_MAILBOX, job_title="Service mailbox")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


WALK = timedelta(weeks=6)
STEP = timedelta(hours=12)

# What managers type into their meetings, varied by meeting: (what was discussed, a second
# line, an action for the report). Picked by the pair and the meeting's number, so the same
# demo types the same notes.
NOTES = [
    ("how {r} is getting on; workload is manageable",
     "Good progress this month &amp; a win worth sharing.", "share a short update with the team"),
    ("the release that went out last week and what {r} learned from it",
     "The customer feedback was positive; two small fixes to follow.", "write up the two fixes"),
    ("{r}'s goals for next quarter",
     "Agreed to focus on one goal rather than three.", "draft the goal in a paragraph"),
    ("a tricky conversation with another team, and how to handle the next one",
     "{r} handled it calmly; worth sharing the approach.", "set up a short call with them"),
    ("training and a conference {r} would like to go to",
     "Budget is there if it's booked this quarter.", "pick a course and send the link"),
    ("how the new way of planning is working",
     "Less context-switching; stand-ups could be shorter.", "suggest a shorter stand-up"),
]
TYPED = "demo_typed"  # sandbox state: occurrences whose notes a manager has typed
UNTYPED = "demo_untyped"  # and those a manager chose to leave without notes
# A carried-over action line in the agenda ends with its number, "(#12)"; the agenda's own
# wording ("change [ ] to [x]", the example action) never does.
OPEN_ACTION = re.compile(r"(<p\b[^>]*>)\[ \] (?=(?:(?!</p>).)*\(#\d+\)\s*</p>)")


def _typed_notes(report_first: str, manager_first: str, pick: int, n: int, due: str
                 ) -> tuple[str, str]:
    """The notes and actions (HTML) a manager types into the ``n``th meeting with a report."""
    topic, second, action = NOTES[pick % len(NOTES)]
    notes = (f"<p>Discussed: {topic.format(r=report_first)}.</p>"
             f"<p>{second.format(r=report_first)}</p>")
    actions = f"<p>{report_first}: {action} by {due}</p>"
    if n % 2 == 0:
        actions += f"<p>{manager_first}: look into a course by {due}</p>"
    return notes, actions


def _typed_due(end: datetime, date_format: str) -> str:
    """When a manager's actions are due, as they type it: ten days on ("20 Dec"). One whose
    Outlook writes dates month first (New York) gives the first Monday of next month, in
    numbers ("1/4": 4 January, which read day first would be 1 April)."""
    if not date_format.startswith("M"):
        return f"{end + timedelta(days=10):%d %b}"
    day = (end.date().replace(day=1) + timedelta(days=32)).replace(day=1)
    day += timedelta(days=-day.weekday() % 7)
    return f"{day.month}/{day.day}"


def _type_into(html: str, cell: str, text: str) -> str:
    """``text`` typed at the top of the agenda's notes or actions cell."""
    return re.sub(rf'(id="{cell}"[^>]*>)', lambda m: m.group(1) + text, html)


def _people_at_work(tenant: Any, store: Any, now: datetime, grace: timedelta) -> list[str]:
    """What managers do in Outlook between runs (deterministic, and never done twice):
    most type notes and actions into the meeting after it ends, and tick off last time's
    actions every other meeting; Marcus never types notes for Grace (so she shows 'held
    without notes'). Only meetings the coming tick reads back (ended ``grace`` ago) are
    typed into, so every note typed is read back before the demo ends."""
    done: list[str] = []
    typed = tenant.state.setdefault(TYPED, [])
    untyped = tenant.state.setdefault(UNTYPED, [])
    # One query finds the meetings there may be something to type into; most runs there are
    # none, and reading every pair's meetings each time was a tenth of the demo's time.
    waiting = {occ.series_id for occ in store.occurrences_ended_between(
        datetime.min.replace(tzinfo=UTC), now - grace + timedelta(microseconds=1))
        if occ.agenda_state == AgendaState.INJECTED
        and occ.status != OccurrenceStatus.CANCELLED
        and occ.event_id not in typed and occ.event_id not in untyped}
    if not waiting:
        return done
    pairings = {series.pairing_id for series in map(store.series, waiting) if series}
    for pick, view in enumerate(store.views([PairingStatus.ACTIVE])):
        if view.pairing.id not in pairings:
            continue
        occs = store.pairing_occurrences(view.pairing.id)
        mailbox = view.manager.email
        report_first = view.report.name.split()[0]
        for n, occ in enumerate(occs, start=1):
            if (occ.end + grace > now or occ.agenda_state != AgendaState.INJECTED
                    or occ.status == OccurrenceStatus.CANCELLED or occ.event_id in typed
                    or occ.event_id in untyped):
                continue
            if view.report.name.startswith("Grace"):
                untyped.append(occ.event_id)
                continue
            html = tenant.person_body(mailbox, occ.event_id)
            due = _typed_due(occ.end, tenant.user(mailbox)["mailboxSettings"].get(
                "dateFormat") or "")
            notes, actions = _typed_notes(report_first, view.manager.name.split()[0],
                                          pick + n, n, due)
            if n % 2 == 0:
                html = OPEN_ACTION.sub(r"\1[x] ", html)  # last time's actions were done
            html = _type_into(_type_into(html, "onetoone-notes", notes), "onetoone-actions",
                              actions)
            tenant.person_edit_body(mailbox, occ.event_id, html)
            typed.append(occ.event_id)
            done.append(f"{view.manager.name} typed notes for {occ.start:%d %b} with "
                        f"{report_first}")
    return done


# What reports bring to their 1-2-1s, replying to "what would you like to talk about?":
# picked by person and meeting, so the same demo writes the same replies. Grace never
# replies (her agendas show the manager's topics only).
REPLY_TOPICS = [
    ("Feedback on my last presentation", "Whether I can join the platform guild"),
    ("Workload for the next sprint",),
    ("Training budget for next quarter", "Working from home on Fridays"),
    ("The handover from the old team",),
]
REPLIED = "demo_replied"  # sandbox state: message ids of prep mails and summaries answered
PRIVATE = "demo_private"  # and the meetings a manager kept a private note about


def _reports_reply(tenant: Any, store: Any, now: datetime) -> list[str]:
    """What reports and managers do in their mail between runs: most reports answer the
    prep mail with a topic or two (quoted history and a signature included, as Outlook
    sends it), Tom replies to his first summary with a comment, and Priya keeps one private
    note about a meeting with Tom by mailing the pair's private address."""
    from service.domain.topics import private_address
    from service.sandbox.mail import compose, reply

    done: list[str] = []
    replied = tenant.state.setdefault(REPLIED, [])
    for n, view in enumerate(store.views([PairingStatus.ACTIVE])):
        first = view.report.name.split()[0]
        summaries = 0
        for message in tenant.messages(view.report.email):
            subject = message.get("subject") or ""
            if message["id"] in replied:
                summaries += subject.startswith("1-2-1 notes:")
                continue
            sender = ((message.get("from") or {}).get("emailAddress") or {}).get("address", "")
            if sender.lower() != view.manager.email.lower():
                continue  # onetoone's acknowledgements come from the service mailbox
            if (subject.startswith("Your 1-2-1 with") and "talk about?" in subject
                    and first != "Grace"):
                lines = REPLY_TOPICS[(n + len(replied)) % len(REPLY_TOPICS)]
                reply(tenant, view.report.email, message,
                      "Hi,\n\n" + "\n".join(lines) + f"\n\nThanks\n{first}")
                replied.append(message["id"])
                done.append(f"{first} replied to the prep mail with {len(lines)} topic"
                            f"{'s' if len(lines) > 1 else ''}")
            elif subject.startswith("1-2-1 notes:") and first == "Tom" and not summaries:
                reply(tenant, view.report.email, message,
                      "Thanks! One more thing: the demo moved to Thursday.\n\nTom")
                replied.append(message["id"])
                summaries += 1
                done.append("Tom replied to his summary with a comment")
        private = tenant.state.setdefault(PRIVATE, [])
        if first == "Tom" and not private:
            held = [o for o in store.pairing_occurrences(view.pairing.id)
                    if o.status == OccurrenceStatus.HELD]
            if held:
                compose(tenant, view.manager.email,
                        [private_address(SERVICE_MAILBOX, view.pairing.key)], "Private note",
                        "<p>Tom mentioned a family matter; check in gently next time.</p>")
                private.append(held[0].id)
                done.append(f"{view.manager.name.split()[0]} kept a private note about a "
                            "meeting with Tom (never mailed or shown to him)")
    return done


async def _reschedule_some(ctx: Any, tenant: Any, now: datetime) -> list[str]:
    """Once: Priya moves Aisha's first meeting a day later; Marcus cancels his first
    meeting with Olivia. Done in Outlook, before the agendas go out."""
    if tenant.state.get("demo_rescheduled"):
        return []
    tenant.state["demo_rescheduled"] = True
    done = []
    for view in ctx.store.views([PairingStatus.ACTIVE]):
        if view.series is None:
            continue
        first = view.report.name.split()[0]
        if first not in ("Aisha", "Olivia"):
            continue
        items = [i for i in await ctx.graph.instances(
            view.series.mailbox, view.series.event_id, now, now + timedelta(days=70))
            if i.start is not None and i.end is not None]
        if first == "Aisha" and items:
            start, end = items[0].start, items[0].end
            tenant.person_move(view.manager.email, items[0].id, start + timedelta(days=1),
                               end + timedelta(days=1))
            done.append(f"{view.manager.name} moved the {start:%d %b} meeting with Aisha a "
                        "day later")
        if first == "Olivia" and items:
            tenant.person_cancel(view.manager.email, items[0].id, "On the road that week")
            done.append(f"{view.manager.name} cancelled the {items[0].start:%d %b} meeting "
                        "with Olivia")
    return done


async def _walk(settings: Settings, store: Store, tenant: Any, now: datetime,
                console: Console, walk: timedelta) -> tuple[Any, list[str]]:
    """Run the worker's tick every 12 hours for six simulated weeks, people acting between
    (before each tick, so the tick reads back what they typed). A bar shows the simulated
    day on a terminal; nothing is drawn when output goes to a file or pipe."""
    first = None
    happenings: list[str] = []
    grace = timedelta(minutes=settings.agenda.grace_minutes)
    steps = int(walk / STEP) + 1
    weeks = max(1, -(-walk // timedelta(weeks=1)))
    per_week = int(timedelta(weeks=1) / STEP)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True,
                  disable=console.quiet or not console.is_terminal) as progress:
        task = progress.add_task("Walking the weeks", total=steps)
        for i in range(steps):
            at = now + STEP * i
            # The last tick falls on the first moment after the walk: still its last week.
            week = min(i // per_week + 1, weeks)
            progress.update(task, description=f"Week {week} of {weeks}: "
                                              f"{at:%a %d %b %H:%M} UTC")
            tenant.now = lambda at=at: at
            # One store for the whole walk: opening one checks the schema with Alembic,
            # which cost more than a quiet tick.
            async with job_context(settings, at, sandbox=tenant, store=store) as ctx:
                happenings += _people_at_work(tenant, ctx.store, at, grace)
                happenings += _reports_reply(tenant, ctx.store, at)
                result = await tick(ctx, at, sync=i % 2 == 0)
                first = first or result
                if i == 0:
                    happenings += await _reschedule_some(ctx, tenant, at)
            progress.advance(task)
    tenant.now = lambda: now
    # Kept with the sandbox so a second run's page still tells the whole story.
    history = tenant.state.setdefault("demo_happenings", [])
    history.extend(happenings)
    return first, list(history)


async def _run(out: Path, now: datetime, console: Console, walk: timedelta) -> None:
    settings = demo_settings(out)
    with sandbox_state_lock(settings):
        tenant = load_sandbox(settings, now)
        _service_mailbox(tenant)
        store = open_store(settings)
        result, happenings = await _walk(settings, store, tenant, now, console, walk)
        async with job_context(settings, now, sandbox=tenant, store=store) as ctx:
            users = [u for u in await ctx.graph.list_users()
                     if u.enabled and u.email.lower() != SERVICE_MAILBOX]
            infos = await ctx.graph.mailbox_settings([u.id for u in users])
            calendars: dict[str, list[CalendarEvent]] = {}
            for user in users:
                calendars[user.id] = await ctx.graph.calendar_view(user.id, now, now + HORIZON)
            views = ctx.store.views()
            holding = ctx.store.all_live_series()
            agenda_rows = _agenda_pages(out, ctx.store, tenant, views)
            history = {v.pairing.id: ctx.store.pairing_occurrences(v.pairing.id) for v in views}
            mail_rows = _mail_pages(out, tenant, users)
        save_sandbox(settings, tenant)

    people = []
    for user in sorted(users, key=lambda u: u.name):
        info = infos.get(user.id)
        zone_name = (info.time_zone if info and info.time_zone else "UTC")
        try:
            zone = ZoneInfo(to_iana(zone_name))
        except (ValueError, KeyError):
            zone = ZoneInfo("UTC")
        months: dict[str, list[dict[str, Any]]] = defaultdict(list)
        timed = [(e.start, e.end, e) for e in calendars[user.id]
                 if e.start is not None and e.end is not None]
        for first, last, event in sorted(timed, key=lambda t: t[0]):
            start, end = first.astimezone(zone), last.astimezone(zone)
            months[start.strftime("%B %Y")].append({
                "day": start.strftime("%a %d %b"),
                "time": f"{start:%H:%M}–{end:%H:%M}",
                "subject": event.subject or "(no subject)",
                "one_to_one": event.subject.startswith("1-2-1"),
                "organizer": event.organizer.name if event.organizer else "",
                "teams": event.online,
            })
        page = f"people/{_slug(user.name)}.html"
        people.append({"name": user.name, "email": user.email, "zone": str(zone),
                       "page": page, "count": sum(1 for m in months.values() for e in m
                                                  if e["one_to_one"])})
        (out / "people").mkdir(parents=True, exist_ok=True)
        (out / page).write_text(render("demo_person.html.j2", person=people[-1],
                                       months=dict(months), generated=now.strftime("%Y-%m-%d")),
                                encoding="utf-8")

    rows = []
    for view in views:
        rows.append({
            "manager": view.manager.name, "report": view.report.name,
            "cadence": view.pairing.cadence, "why": view.pairing.cadence_reason,
            # as of the end of the simulated weeks, which the agendas table shows
            "status": _pair_status(history.get(view.pairing.id, []),
                                   view.pairing.status, now + walk),
            "series": (series_cell(view.series, [s for s in holding
                                                 if s.pairing_id == view.pairing.id],
                                   now + walk) + (
                " (their own series, adopted)" if is_own(view.series)
                else "")) if view.series else (view.pairing.note or "—"),
            "manager_page": f"people/{_slug(view.manager.name)}.html",
            "report_page": f"people/{_slug(view.report.name)}.html",
        })
    (out / "index.html").write_text(render("demo_index.html.j2", rows=rows, people=people,
                                           generated=now.strftime("%Y-%m-%d %H:%M UTC"),
                                           summary=result.schedule.summary(),
                                           agendas=agenda_rows, happenings=happenings,
                                           mails=mail_rows,
                                           weeks=int(walk / timedelta(weeks=1))), encoding="utf-8")

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
    injected = sum(1 for r in agenda_rows if r["agenda"])
    held = sum(1 for r in agenda_rows if r["status"] == "held")
    open_actions = len(store.actions(open_only=True))
    console.print(
        f"Then {int(walk / timedelta(weeks=1))} simulated weeks: {injected} agendas written "
        f"into invites, {held} meetings' notes read back, {open_actions} actions still open; "
        f"{len(happenings)} things people did in Outlook (typed notes, moved, cancelled).")
    topics = [t for v in views for t in store.pair_topics(v.pairing.id)]
    by_report = sum(1 for t in topics if t.by == "report")
    console.print(f"Reports led: {by_report} of {len(topics)} topics came from reports, "
                  "most by replying to the \"what would you like to talk about?\" mail; "
                  "replies to summaries are kept with their meeting.")
    kinds = {k: sum(1 for m in mail_rows if m["kind"] == k)
             for k in ("summary", "reminder", "rebook", "absence")}
    console.print(f"Reports received {kinds['summary']} summar"
                  f"{'y' if kinds['summary'] == 1 else 'ies'}; managers received "
                  f"{kinds['reminder']} reminder{'' if kinds['reminder'] == 1 else 's'}, "
                  f"{kinds['rebook']} offer{'' if kinds['rebook'] == 1 else 's'} to rebook a "
                  f"missed 1-2-1 and {kinds['absence']} absence note"
                  f"{'' if kinds['absence'] == 1 else 's'} "
                  f"(as .eml and HTML under {out / 'mail'}/).")
    console.print(f"Open [bold]{out / 'index.html'}[/bold] to see each person's calendar "
                  f"for the next six months (one page per person under {out / 'people'}/).")


def _mail_pages(out: Path, tenant: Any, users: list[Any]) -> list[dict[str, Any]]:
    """Every summary and reminder people received, as .eml (open in a mail client) and HTML."""
    from email.message import EmailMessage
    from email.utils import format_datetime
    from html import escape as html_escape

    folder = out / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for user in users:
        for n, message in enumerate(tenant.messages(user.email), start=1):
            subject = message.get("subject") or ""
            kind = _mail_kind(subject)
            if kind is None:
                continue
            to = [r["emailAddress"]["address"].lower() for r in message.get("toRecipients") or []]
            if user.email.lower() not in to:
                continue  # the manager's copy of a summary
            def people(key: str, message: dict[str, Any] = message) -> str:
                return ", ".join(f"{r['emailAddress'].get('name', '')} "
                                 f"<{r['emailAddress']['address']}>"
                                 for r in message.get(key) or [])
            sender = (message.get("from") or {}).get("emailAddress") or {}
            eml = EmailMessage()
            eml["From"] = f"{sender.get('name', '')} <{sender.get('address', '')}>"
            eml["To"] = people("toRecipients")
            if message.get("ccRecipients"):
                eml["Cc"] = people("ccRecipients")
            eml["Subject"] = subject
            sent = message.get("sentDateTime") or message.get("receivedDateTime")
            if sent:
                eml["Date"] = format_datetime(parse_graph_datetime(sent))
            for header in message.get("internetMessageHeaders") or []:
                name, value = str(header.get("name") or ""), str(header.get("value") or "")
                # The transport's own From/To/Subject/MIME headers are already set above
                # (twice is an error); a header that cannot be written is left out alone.
                if not name or name.lower() in _OWN_HEADERS or name in eml:
                    continue
                try:
                    eml[name] = value
                except (ValueError, TypeError):
                    continue
            html = (message.get("body") or {}).get("content") or ""
            # A text part as mail clients show it without HTML (Graph sends HTML only).
            eml.set_content(html_to_text(html))
            eml.add_alternative(html, subtype="html")
            stem = f"mail/{_slug(user.name)}-{n:02d}"
            (out / f"{stem}.eml").write_bytes(bytes(eml))
            (out / f"{stem}.html").write_text(
                "<!doctype html><meta charset='utf-8'><body style='margin:2rem'>"
                f"<p style='color:#666;font:13px sans-serif'>To: {html_escape(eml['To'])}</p>"
                + html + "</body>", encoding="utf-8")
            rows.append({"to": user.name, "subject": subject, "eml": f"{stem}.eml",
                         "html": f"{stem}.html", "kind": kind})
    return rows


# Headers the .eml gets from the message's fields or from its MIME parts.
_OWN_HEADERS = frozenset({"from", "sender", "to", "cc", "bcc", "subject", "date",
                          "mime-version", "content-type", "content-transfer-encoding"})


def _mail_kind(subject: str) -> str | None:
    """Which of onetoone's mails a subject is (None for other mail in the inbox)."""
    if "what would you like to talk about?" in subject:
        return "prep"
    for prefix, kind in (("1-2-1 notes:", "summary"), ("No notes yet:", "reminder"),
                         ("Rebook your 1-2-1", "rebook"), ("1-2-1s during ", "absence"),
                         ("1-2-1 with ", "absence")):
        if subject.startswith(prefix):
            return kind
    return None


def _pair_status(occs: list[Any], status: str, at: datetime) -> str:
    """The pairing's status, flagged when it missed two or more in a row by ``at``."""
    flag = missed_flag([(o.start, outcome(o.status, o.absence_state)) for o in occs], at)
    return f"{status}, {flag}" if flag else status


def _occurrence_status(occ: Any) -> str:
    """What happened to a meeting, saying when onetoone moved or rebooked it and why."""
    text = occ.status.replace("_", " ")
    if occ.rebook_of is not None:
        return f"rebooked for a missed meeting, {text}"
    if occ.moved_reason:
        return f"{text}, moved by onetoone ({occ.moved_reason})"
    return text


def _agenda_pages(out: Path, store: Any, tenant: Any, views: list[Any]) -> list[dict[str, Any]]:
    """One page per occurrence with an agenda: the invite body as the report sees it. Times
    are in the series' own zone, named."""
    rows: list[dict[str, Any]] = []
    folder = out / "agendas"
    folder.mkdir(parents=True, exist_ok=True)
    for view in views:
        zone = ZoneInfo(view.series.time_zone if view.series else "UTC")
        for occ in store.pairing_occurrences(view.pairing.id):
            local = occ.start.astimezone(zone)
            page = ""
            body = None
            if (occ.agenda_state == AgendaState.INJECTED
                    and occ.status != OccurrenceStatus.CANCELLED):
                try:
                    body = tenant.person_body(view.manager.email, occ.event_id)
                except GraphFault:
                    # Gone from Outlook since: a demo run again at an earlier --now ended
                    # and re-booked its series. The meeting is listed, without its page.
                    body = None
            if body is not None:
                page = f"agendas/{_slug(view.report.name)}-{local:%Y-%m-%d}.html"
                (out / page).write_text(render(
                    "demo_agenda.html.j2", manager=view.manager.name, report=view.report.name,
                    when=f"{local:%a %d %b %Y %H:%M} {zone.key}",
                    status=_occurrence_status(occ),
                    body_html=body), encoding="utf-8")
            rows.append({"start": occ.start, "pair": f"{view.manager.name} & {view.report.name}",
                         "when": f"{local:%a %d %b %H:%M} {zone.key}",
                         "status": _occurrence_status(occ), "agenda": page,
                         "updates": occ.agenda_updates,
                         "notes": len(store.notes(occ.id))})
    rows.sort(key=lambda r: (r["start"], r["pair"]))
    return rows


def run_demo(out: Path, now: datetime, console: Console, walk: timedelta = WALK) -> None:
    """Run the demo as of ``now`` into ``out``, walking ``walk`` of simulated time (tests
    and benchmarks walk less than the six weeks people see)."""
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(_run(out.resolve(), now, console, walk))

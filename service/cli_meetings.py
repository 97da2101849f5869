"""CLI commands about meetings: topics, agenda preview, notes and actions."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.markup import escape
from rich.table import Table

from service.errors import ServiceError


def _store(obj: Any) -> Any:
    from service.app import open_store

    return open_store(obj.settings)


def _pair(store: Any, ref: str) -> Any:
    view = store.find_pairing(ref)
    if view is None:
        raise ServiceError(
            f"No active pair matches {ref!r}. Give the report's email (or "
            "manager@x/report@x); `onetoone pairs` lists them."
        )
    return view


def _next_occurrence(store: Any, view: Any, on: date | None, now: datetime, *,
                     not_started: bool = False) -> Any:
    """The pair's meeting on ``on`` (its local date), or the next one (still going on, unless
    ``not_started``): stored if it is, else computed from the series with the number the
    occurrence sync will give it. Stored meetings (moved anywhere) and the series' slots not
    stored yet are merged, so a meeting moved far ahead doesn't hide the ones before it."""
    from service.jobs.schedule import series_occurrences
    from service.store.models import OccurrenceRow

    stored = store.pairing_occurrences(view.pairing.id)
    zone = ZoneInfo(view.series.time_zone if view.series else "UTC")
    label = f"{view.manager.name} & {view.report.name}"
    slots: list[tuple[datetime, datetime, Any]] = [
        (o.start, o.end, o) for o in stored if o.status != "cancelled"]
    if view.series is not None:
        known = {o.original_start for o in stored}
        since = now if on is None else min(now, datetime.combine(on, datetime.min.time(), zone))
        slots += [(s, e, None) for s, e in series_occurrences(view.series, since,
                                                              since + timedelta(days=400))
                  if s not in known]
    elif not stored:
        raise ServiceError(f"{label} have no series yet. Run `onetoone schedule` first.")
    slots.sort(key=lambda slot: slot[0])
    if on is not None:
        picked = [x for x in slots if x[0].astimezone(zone).date() == on]
        if not picked:
            later = [x for x in slots if x[0].astimezone(zone).date() > on]
            if not later:
                raise ServiceError(f"{label} have no meeting on or after {on:%Y-%m-%d}.")
            day = later[0][0].astimezone(zone).date()
            raise ServiceError(f"{label} have no meeting on {on:%Y-%m-%d}; the next is on "
                               f"{day:%Y-%m-%d} (use --date {day:%Y-%m-%d}).")
    else:
        picked = [x for x in slots if (x[0] if not_started else x[1]) > now]
        if not picked:
            raise ServiceError(f"{label} have no upcoming meeting.")
    start, end, row = picked[0]
    if row is not None:
        return row
    number = sum(1 for x in slots if x[0] <= start)
    return OccurrenceRow(id=0, series_id=view.series.id, event_id="", original_start=start,
                         start=start, end=end, status="scheduled", meeting_number=number,
                         agenda_state="pending", agenda_updates=0, agenda_topics="",
                         covers_development=False)


def _needs_decision(mail: Any) -> bool:
    """Failed or unconfirmed mail an operator can still settle (erased mail never goes, so
    there is nothing to decide about it)."""
    return mail.status in ("failed", "unconfirmed") and mail.body_html != "[erased]"


def register(cli: click.Group, console: Any, run_safely: Any) -> None:
    """Add the meeting commands to the CLI group."""

    @cli.group()
    def topics() -> None:
        """Topics for the next 1-2-1 (the report's come first)."""

    @topics.command("add")
    @click.argument("pair")
    @click.argument("text")
    @click.option("--by", type=click.Choice(["report", "manager"]), default="report",
                  show_default=True, help="Who raised it.")
    @click.pass_obj
    def topics_add(obj: Any, pair: str, text: str, by: str) -> None:
        """Add a topic to PAIR's next agenda (PAIR: the report's email)."""

        def body() -> None:
            store = _store(obj)
            view = _pair(store, pair)
            if not text.strip():
                raise ServiceError("The topic is empty. Write what to talk about.")
            now = datetime.now(UTC)
            store.add_topic(view.pairing.id, text.strip()[:2000], by, now.date(), now)
            pair_name = f"{view.manager.name} & {view.report.name}"
            try:
                occ = _next_occurrence(store, view, None, now, not_started=True)
            except ServiceError:  # no series yet: the first agenda will carry it
                console.print(escape(f"Added for {pair_name}: it will be on their first "
                                     "agenda."))
                return
            zone = ZoneInfo(view.series.time_zone if view.series else "UTC")
            day = f"{occ.start.astimezone(zone):%a %d %b %Y}"
            budget = obj.settings.agenda.extra_updates
            if occ.agenda_state != "injected":
                where = f"it will be on the agenda of their meeting on {day}."
            elif occ.agenda_updates - 1 < budget:
                where = (f"the agenda of their meeting on {day} is already in the invite; "
                         "the next run updates it.")
            else:
                where = (f"the agenda of their meeting on {day} is already in the invite and "
                         f"has had its {budget} update(s), so the topic goes to the meeting "
                         "after (nobody gets another meeting update).")
            console.print(escape(f"Added for {pair_name}: {where}"))

        run_safely(body)

    @cli.command()
    @click.argument("pair")
    @click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]),
                  help="The meeting's date (default: the next one).")
    @click.option("--out", type=click.Path(dir_okay=False), help="HTML file to write.")
    @click.pass_obj
    def preview(obj: Any, pair: str, on: datetime | None, out: str | None) -> None:
        """Show the agenda PAIR's meeting would get, in the terminal and as an HTML file."""
        from service.domain.body import block_text
        from service.domain.htmltext import html_to_text
        from service.jobs.agenda import agenda_for, question_bank, render_block
        from service.jobs.context import JobContext

        def body() -> None:
            store = _store(obj)
            view = _pair(store, pair)
            now = datetime.now(UTC)
            occ = _next_occurrence(store, view, on.date() if on else None, now)
            zone = view.series.time_zone if view.series else "UTC"
            ctx = JobContext(settings=obj.settings, store=store, graph=None)  # type: ignore[arg-type]
            agenda = agenda_for(ctx, view, occ, zone, question_bank(obj.settings.agenda.templates))
            html = render_block(ctx, agenda, view.pairing.key)
            target = Path(out or f"agenda-{view.report.email.split('@')[0]}-"
                          f"{occ.start.astimezone(ZoneInfo(zone)):%Y-%m-%d}.html")
            target.write_text("<!doctype html><meta charset='utf-8'><body>" + html + "</body>")
            console.print(block_text(html_to_text(html)) or "", markup=False, highlight=False)
            console.print(f"\nWritten to {escape(str(target))}")

        run_safely(body)

    @cli.group()
    def notes() -> None:
        """Notes for managers who don't type them into Outlook."""

    @notes.command("add")
    @click.argument("pair")
    @click.option("--private", is_flag=True,
                  help="Keep it in the database only: never in an agenda or an email.")
    @click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]),
                  help="The meeting's date (default: the most recent one).")
    @click.pass_obj
    def notes_add(obj: Any, pair: str, private: bool, on: datetime | None) -> None:
        """Add notes to PAIR's meeting, from stdin or $EDITOR. Lines like
        'Action: Sam: send the plan by 12 Dec' become actions."""
        from service.domain.notes import action_fingerprint, parse_action

        def body() -> None:
            store = _store(obj)
            view = _pair(store, pair)
            now = datetime.now(UTC)
            past = [o for o in store.pairing_occurrences(view.pairing.id)
                    if o.start <= now and o.status != "cancelled"]
            if on is not None:
                past = [o for o in store.pairing_occurrences(view.pairing.id)
                        if o.start.date() == on.date() and o.status != "cancelled"]
                if not past:
                    raise ServiceError(f"No meeting of {view.manager.name} & {view.report.name} "
                                       f"on {on:%Y-%m-%d}. `onetoone status` shows the last "
                                       "and next ones.")
            occ = past[-1] if past else None
            text = sys.stdin.read() if not sys.stdin.isatty() else (click.edit(
                "\n# Notes for your 1-2-1. Lines starting 'Action:' become actions.\n") or "")
            lines = [ln.rstrip() for ln in text.splitlines() if not ln.startswith("#")]
            if not any(ln.strip() for ln in lines):
                raise ServiceError("No notes given (nothing on stdin or in the editor).")
            note_lines, actions = [], 0
            meeting = occ.start.date() if occ else now.date()
            for line in lines:
                if line.lower().startswith("action:") and not private:
                    parsed = parse_action(line.split(":", 1)[1], meeting_date=meeting,
                                          manager_name=view.manager.name,
                                          report_name=view.report.name)
                    if parsed is not None:
                        actions += store.add_action(
                            pairing_id=view.pairing.id, occurrence_id=occ.id if occ else None,
                            owner=parsed.owner, text=parsed.text, due=parsed.due,
                            raised_on=meeting, now=now, fingerprint=action_fingerprint(
                                parsed.owner, parsed.text, parsed.due, source="cli"))
                        continue
                note_lines.append(line)
            store.add_note(view.pairing.id, occ.id if occ else None,
                           "\n".join(note_lines).strip(), private=private, now=now)
            if occ is not None and not private and occ.end <= now and occ.status in (
                    "held_no_notes", "scheduled", "moved", "declined"):
                # The meeting now has notes: it is held, and its summary goes on the next run.
                store.update_occurrence(occ.id, now, status="held",
                                        captured_at=occ.captured_at or now)
            where = f"the meeting on {occ.start:%d %b %Y}" if occ else "the pair (no meeting yet)"
            kind = "private note (never shared)" if private else "note"
            console.print(escape(f"Saved a {kind} for {where}; {actions} action(s) added."))

        run_safely(body)

    @cli.group(invoke_without_command=True)
    @click.option("--pair", help="Only this pair (the report's email).")
    @click.option("--open", "open_only", is_flag=True, help="Only actions not yet done.")
    @click.pass_context
    def actions(click_ctx: click.Context, pair: str | None, open_only: bool) -> None:
        """List actions agreed in 1-2-1s."""
        if click_ctx.invoked_subcommand is not None:
            return
        obj = click_ctx.obj

        def body() -> None:
            store = _store(obj)
            pairing_id = _pair(store, pair).pairing.id if pair else None
            names = {v.pairing.id: f"{v.manager.name} & {v.report.name}" for v in store.views()}
            table = Table("id", "pair", "owner", "what", "due", "status", "carried")
            for a in store.actions(pairing_id, open_only=open_only):
                table.add_row(str(a.id), escape(names.get(a.pairing_id, "?")), escape(a.owner),
                              escape(a.text), str(a.due or ""), a.status, str(a.carried))
            console.print(table)

        run_safely(body)

    @actions.command("done")
    @click.argument("action_id", type=int)
    @click.pass_obj
    def actions_done(obj: Any, action_id: int) -> None:
        """Mark action ACTION_ID done (it leaves the next agendas)."""

        def body() -> None:
            store = _store(obj)
            if not store.close_actions([action_id], None, datetime.now(UTC)):
                raise ServiceError(f"No open action #{action_id}. `onetoone actions --open` "
                                   "lists them.")
            console.print(f"Action #{action_id} is done.")

        run_safely(body)


def register_admin(cli: click.Group, console: Any, run_safely: Any) -> None:
    """status, mail and forget."""

    @cli.command()
    @click.option("--now", "now_text", help="As of this ISO-8601 instant (default: now).")
    @click.pass_obj
    def status(obj: Any, now_text: str | None) -> None:
        """Per pair: next meeting, last held, meetings onetoone moved and rebooked, pairs that
        missed two in a row, open actions, pending or unconfirmed mail. Times are in each
        series' own time zone."""
        from service.domain.attendance import missed_flag
        from service.jobs.schedule import series_occurrences

        def body() -> None:
            store = _store(obj)
            from service.cli import _parse_now

            now = _parse_now(now_text)
            mail = store.outbox()
            table = Table(caption="PAIR arguments take the report's email. Times are in each "
                                  "series' own zone.")
            # rich would fold an email in two to make room; one that can't be pasted as a
            # PAIR argument is worse than a narrower "mail" column, so the others give way.
            for column in ("manager", "report", "status", "next meeting", "last held"):
                table.add_column(column, no_wrap=True)
            table.add_column("open actions")
            table.add_column("mail")
            table.add_column("attention", no_wrap=True)
            problems = []
            details: list[str] = []
            for view in store.views():
                zone = _zone(view.series)
                occs = _standing(store, view.pairing.id)
                upcoming = [o for o in occs if o.start > now and o.status != "cancelled"]
                held = [o for o in occs if o.status == "held" and o.start <= now]
                if upcoming:
                    next_text = _when(upcoming[0].start, zone, "\n") + _tag(upcoming[0])
                elif view.series is not None:
                    nxt = series_occurrences(view.series, now, now + timedelta(days=120))
                    next_text = _when(nxt[0][0], zone, "\n") if nxt else "—"
                else:
                    next_text = "—"
                mine = [m for m in mail if m.pairing_id == view.pairing.id]
                counts = {s: sum(1 for m in mine if m.status == s)
                          for s in ("pending", "sending", "unconfirmed", "failed", "sent")}
                mail_text = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "—"
                for m in mine:
                    if _needs_decision(m):
                        problems.append(f"mail #{m.id} {m.status}: {m.kind} for "
                                        f"{view.report.name} ({m.key}) — {m.last_error}")
                flag = missed_flag([(o.start, o.status) for o in occs], now)
                moved, rebooked = _moved_and_rebooked(occs, zone, now)
                attention = [f"[bold red]{escape(flag)}[/bold red]"] if flag else []
                attention += [f"{n} {what}" for n, what in ((len(moved), "moved"),
                                                            (len(rebooked), "rebooked")) if n]
                if moved or rebooked:
                    details.append(f"{view.manager.name} & {view.report.name} "
                                   f"<{view.report.email}>:")
                    details += [f"  {line}" for line in moved + rebooked]
                table.add_row(
                    escape(_person(view.manager)), escape(_person(view.report)),
                    escape(view.pairing.status.replace("_", " ")), escape(next_text),
                    f"{held[-1].start.astimezone(zone):%d %b %Y}" if held else "—",
                    str(len(store.open_actions(view.pairing.id))), escape(mail_text),
                    "\n".join(attention) or "—")
            console.print(table)
            if details:
                console.print("Meetings onetoone moved or rebooked (the last "
                              f"{RECENT.days // 7} weeks and ahead):")
                for line in details:
                    console.print(escape(line), highlight=False)
            for line in problems:
                console.print("[yellow]" + escape(line) + "[/yellow]")
            if problems:
                console.print("Settle them with `onetoone mail resend ID` or `onetoone mail "
                              "mark-sent ID` (see `onetoone mail --help`).")

        run_safely(body)

    @cli.group(invoke_without_command=True)
    @click.option("--all", "show_all", is_flag=True, help="Every mail, not only those that "
                  "need a decision.")
    @click.pass_context
    def mail(click_ctx: click.Context, show_all: bool) -> None:
        """Mail that needs an operator: failed, or unconfirmed (outcome unknown).

        The worker never sends such a mail again by itself, because a mail whose outcome is
        unknown may already be in the report's inbox. Look in the manager's Sent Items, then
        `mail resend ID` (it was not sent) or `mail mark-sent ID` (it was)."""
        if click_ctx.invoked_subcommand is not None:
            return
        obj = click_ctx.obj

        def body() -> None:
            store = _store(obj)
            # The outbox keeps the sender's mailbox by directory id; people read addresses.
            address = {p.id: p.email for v in store.views() for p in (v.manager, v.report)}
            rows = [m for m in store.outbox() if show_all or _needs_decision(m)]
            if not rows:
                console.print("No mail needs a decision." if not show_all else "No mail yet.")
                return
            table = Table("id", "status", "kind", "from", "to", "subject", "error")
            for m in rows:
                table.add_row(str(m.id), m.status, m.kind,
                              escape(address.get(m.mailbox, m.mailbox)),
                              escape(m.recipients),
                              escape(m.subject), escape(m.last_error or ""))
            console.print(table)

        run_safely(body)

    @mail.command("resend")
    @click.argument("mail_id", type=int)
    @click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
    @click.pass_obj
    def mail_resend(obj: Any, mail_id: int, yes: bool) -> None:
        """Queue failed or unconfirmed mail MAIL_ID to be sent at the worker's next run."""

        def body() -> None:
            store = _store(obj)
            row = next((m for m in store.outbox() if m.id == mail_id), None)
            if (row is not None and row.status == "unconfirmed" and not yes
                    and not click.confirm(f"Mail #{mail_id} may already have been sent from "
                                          f"{row.mailbox}. Checked its Sent Items and it is "
                                          f"not there: send it again?")):
                raise ServiceError("Nothing changed.")
            done = store.settle_by_hand(mail_id, "pending", datetime.now(UTC),
                                        "queued again by an operator")
            console.print(escape(f"Mail #{done.id} ({done.kind}, {done.subject}) will be sent "
                                 f"at the next run."))

        run_safely(body)

    @mail.command("mark-sent")
    @click.argument("mail_id", type=int)
    @click.pass_obj
    def mail_mark_sent(obj: Any, mail_id: int) -> None:
        """Record that unconfirmed or failed mail MAIL_ID did go (found in Sent Items)."""

        def body() -> None:
            done = _store(obj).settle_by_hand(mail_id, "sent", datetime.now(UTC),
                                              "marked sent by an operator")
            console.print(escape(f"Mail #{done.id} ({done.kind}) recorded as sent."))

        run_safely(body)

    @cli.command()
    @click.argument("person_email")
    @click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
    @click.pass_obj
    def forget(obj: Any, person_email: str, yes: bool) -> None:
        """Erase what was written about PERSON_EMAIL's 1-2-1s (notes, topics, actions, unsent
        mail), keeping counts and dates."""

        def body() -> None:
            store = _store(obj)
            people = [v for v in store.views()
                      if person_email.lower() in (v.manager.email.lower(), v.report.email.lower())]
            if not people:
                raise ServiceError(f"No pair involves {person_email}.")
            person_id = (people[0].manager.id if people[0].manager.email.lower()
                         == person_email.lower() else people[0].report.id)
            if not yes and not click.confirm(f"Erase notes, topics and actions of every 1-2-1 "
                                             f"involving {person_email}?"):
                raise ServiceError("Nothing erased.")
            erased = store.forget_person(person_id, datetime.now(UTC))
            console.print(escape(f"Erased for {person_email}: " + ", ".join(
                f"{n} {k}" for k, n in erased.items())))

        run_safely(body)


# -- status display -----------------------------------------------------------------------

# Moved and rebooked meetings older than this are history, not news: status leaves them out.
RECENT = timedelta(weeks=8)


def _zone(series: Any) -> ZoneInfo:
    """The series' own zone (the one its times are fixed in); UTC for a pair without one."""
    return ZoneInfo(series.time_zone if series is not None else "UTC")


def _when(instant: datetime, zone: ZoneInfo, sep: str = " ") -> str:
    """'Thu 26 Nov 13:30 Europe/London': local time with the zone named."""
    return f"{instant.astimezone(zone):%a %d %b %H:%M}{sep}{zone.key}"


def _person(person: Any) -> str:
    return f"{person.name}\n{person.email}" if person.name else person.email


def _moved_reason(occ: Any) -> str:
    reason = (occ.moved_reason or "").strip()
    return reason if reason.lower().startswith("moved") else f"moved: {reason}"


def _tag(occ: Any) -> str:
    """A line saying onetoone moved or rebooked this meeting (details under the table)."""
    if occ.rebook_of is not None:
        return "\n(rebooked)"
    if occ.moved_reason:
        return "\n(moved)"
    return ""


def _standing(store: Any, pairing_id: int) -> list[Any]:
    """The pair's stored meetings that still stand: every series' (and rebooking's) rows,
    without those after the end of an ended series or the deletion of a deleted one (they
    left Outlook with it, so they are neither upcoming nor missed)."""
    series: dict[int, Any] = {}
    out = []
    for occ in store.pairing_occurrences(pairing_id):
        row = series.setdefault(occ.series_id, store.series(occ.series_id))
        if row is not None and row.status == "ended" and (
                occ.start.astimezone(_zone(row)).date() > row.range_end):
            continue
        if row is not None and row.status == "deleted" and row.ended_at is not None and (
                occ.start > row.ended_at):
            continue
        out.append(occ)
    return out


def _moved_and_rebooked(occs: list[Any], zone: ZoneInfo, now: datetime
                        ) -> tuple[list[str], list[str]]:
    """Lines for the recent or upcoming meetings onetoone moved, and those it rebooked
    (single meetings replacing missed ones), oldest first."""
    by_id = {o.id: o for o in occs}
    moved, rebooked = [], []
    for occ in occs:
        if occ.start < now - RECENT:
            continue
        when = _when(occ.start, zone)
        if occ.rebook_of is not None:
            missed = by_id.get(occ.rebook_of)
            was = (f" for the missed {missed.start.astimezone(zone):%a %d %b}"
                   if missed is not None else "")
            rebooked.append(f"{when} rebooked{was} ({occ.status.replace('_', ' ')})")
        elif occ.moved_reason:
            was = ""
            if occ.original_start != occ.start:
                was = f" (was {occ.original_start.astimezone(zone):%a %d %b %H:%M})"
            moved.append(f"{when}{was} {_moved_reason(occ)}")
    return moved, rebooked

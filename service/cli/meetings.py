"""Commands for managers and reports: topics, agenda preview, notes and actions."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from service.cli.context import Ctx, day_in_years
from service.cli.output import cell, console, name_of, plain, writing
from service.domain.series import agenda_can_update, first_day_after, meeting_on, meetings
from service.domain.status import AgendaState, OccurrenceStatus, SeriesStatus
from service.domain.text import clean_text
from service.domain.timezones import local_date
from service.domain.topic_lines import new_topics
from service.errors import ServiceError

# How far ahead a pair's next meeting is looked for (longer than any cadence's gap, and than
# any meeting a person moved far ahead).
LOOK_AHEAD = timedelta(days=400)
# The longest topic `topics add` takes (the store keeps what it is given).
MAX_TOPIC_CHARS = 2000


def _store(obj: Ctx) -> Any:
    """The store, which must exist: each of these commands reads or changes what runs have
    stored (a pair, its meetings), so a database not there is refused, not created empty."""
    from service.app import open_store

    return open_store(obj.settings, create=False)


def _pair(store: Any, ref: str) -> Any:
    view = store.find_pairing(ref)
    if view is None:
        raise ServiceError(
            f"No active pair matches {ref!r}. Give the report's email (or "
            "manager@x/report@x); `onetoone pairs` lists them."
        )
    return view


def next_occurrence(store: Any, view: Any, on: date | None, now: datetime, *,
                    not_started: bool = False) -> Any:
    """The pair's meeting on ``on`` (its local date), or the next one (still going on, unless
    ``not_started``): the stored row if it is stored, else one computed from the series with
    the number the occurrence sync will give it (see `service.domain.series`)."""
    from service.domain.records import OccurrenceRecord

    stored = store.pairing_occurrences(view.pairing.id)
    zone = ZoneInfo(view.series.time_zone if view.series else "UTC")
    label = f"{name_of(view.manager)} & {name_of(view.report)}"
    if view.series is None and not stored:
        raise ServiceError(f"{label} have no series yet. Run `onetoone schedule` first.")
    since = now if on is None else min(now, datetime.combine(on, datetime.min.time(), zone))
    # A superseded series holds the meetings before its follow-on starts.
    holding = [s for s in store.pairing_series(view.pairing.id)
               if s.status == SeriesStatus.SUPERSEDED]
    series = [s for s in (view.series, *holding) if s is not None]
    found = meetings(series, stored, since, since + LOOK_AHEAD)
    if on is not None:
        picked = meeting_on(found, on, zone)
        if picked is None:
            day = first_day_after(found, on, zone)
            if day is None:
                raise ServiceError(f"{label} have no meeting on or after {on:%Y-%m-%d}.")
            raise ServiceError(f"{label} have no meeting on {on:%Y-%m-%d}; the next is on "
                               f"{day:%Y-%m-%d} (use --date {day:%Y-%m-%d}).")
    else:
        picked = next((m for m in found if (m.start if not_started else m.end) > now), None)
        if picked is None:
            raise ServiceError(f"{label} have no upcoming meeting.")
    if picked.stored is not None:
        return picked.stored
    return OccurrenceRecord(series_id=view.series.id, event_id="", original_start=picked.start,
                            start=picked.start, end=picked.end, meeting_number=picked.number)


# -- topics --------------------------------------------------------------------------------


@click.group()
def topics() -> None:
    """Topics for the next 1-2-1 (the report's come first)."""


@topics.command("add")
@click.argument("pair")
@click.argument("text")
@click.option("--by", type=click.Choice(["report", "manager"]), default="report",
              show_default=True, help="Who raised it.")
@click.pass_obj
def topics_add(obj: Ctx, pair: str, text: str, by: str) -> None:
    """Add a topic to PAIR's next agenda (PAIR: the report's email)."""
    store = _store(obj)
    view = _pair(store, pair)
    # Typed text is outside text too: the store keeps what it is given, and the agenda and
    # preview show it, so bidi overrides (and undecodable bytes) go here, as from Graph.
    text = clean_text(text)[0]
    if not text.strip():
        raise ServiceError("The topic is empty. Write what to talk about.")
    text = text.strip()
    if len(text) > MAX_TOPIC_CHARS:
        # Said, not cut: "Added" must mean what was typed is what the agenda shows.
        raise ServiceError(f"The topic is {len(text)} characters long; a topic is at most "
                           f"{MAX_TOPIC_CHARS}. Shorten it (say the rest in the meeting).")
    now = obj.now()
    pair_name = f"{name_of(view.manager)} & {name_of(view.report)}"
    if not new_topics([text],
                      (t.text for t in store.open_topics(view.pairing.id))):
        console.print(plain(f"Already on the list for {pair_name}: not added again."))
        return
    # Raised on the day where the pair meets, as a mailed topic is (a New York evening is
    # the next day in UTC): the agenda shows that day.
    store.add_topic(view.pairing.id, text, by,
                    local_date(now, view.series.time_zone if view.series else None), now)
    try:
        occ = next_occurrence(store, view, None, now, not_started=True)
    except ServiceError:  # no series yet: the first agenda will carry it
        console.print(plain(f"Added for {pair_name}: it will be on their first agenda."))
        return
    zone = ZoneInfo(view.series.time_zone if view.series else "UTC")
    day = f"{occ.start.astimezone(zone):%a %d %b %Y}"
    budget = obj.settings.agenda.extra_updates
    if occ.agenda_state != AgendaState.INJECTED:
        where = f"it will be on the agenda of their meeting on {day}."
    elif agenda_can_update(occ.agenda_updates, budget):
        where = (f"the agenda of their meeting on {day} is already in the invite; "
                 "the next run updates it.")
    else:
        where = (f"the agenda of their meeting on {day} is already in the invite and "
                 f"has had its {budget} update(s), so the topic goes to the meeting "
                 "after (nobody gets another meeting update).")
    console.print(plain(f"Added for {pair_name}: {where}"))


# -- preview -------------------------------------------------------------------------------


@click.command()
@click.argument("pair")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), callback=day_in_years,
              help="The meeting's date (default: the next one).")
@click.option("--out", type=click.Path(dir_okay=False), help="HTML file to write.")
@click.option("--force", is_flag=True,
              help="Replace a file already there (never the database, config or pairs file).")
@click.pass_obj
def preview(obj: Ctx, pair: str, on: datetime | None, out: str | None, force: bool) -> None:
    """Show the agenda PAIR's meeting would get, in the terminal and as an HTML file."""
    from service.cli.outfiles import check_file, kept_files
    from service.domain.body import block_text
    from service.domain.htmltext import html_to_text
    from service.jobs.agenda import agenda_for, question_bank, render_block
    from service.jobs.context import JobContext
    from service.store.leases import worker_identity

    store = _store(obj)
    view = _pair(store, pair)
    occ = next_occurrence(store, view, on.date() if on else None, obj.now())
    zone = view.series.time_zone if view.series else "UTC"
    ctx = JobContext(settings=obj.settings, store=store, graph=None,  # type: ignore[arg-type]
                     worker_id=worker_identity(obj.settings.worker.name))
    agenda = agenda_for(ctx, view, occ, zone, question_bank(obj.settings.agenda.templates))
    html = render_block(ctx, agenda, view.pairing.key)
    target = Path(out or f"agenda-{view.report.email.split('@')[0]}-"
                  f"{occ.start.astimezone(ZoneInfo(zone)):%Y-%m-%d}.html")
    check_file(target, "--out", force=force, kept=kept_files(obj))
    # Owner-only, like every file of ours that holds what a pair said (Last time's notes).
    from service.store.insight import write_private
    with writing(target, "--out"):
        write_private(target, "<!doctype html><meta charset='utf-8'><body>" + html + "</body>",
                      make_folder=False)
    # The agenda holds the pair's topics and last time's notes: outside text, shown as text.
    console.print(plain(block_text(html_to_text(html, rows=True)) or ""))
    console.print(plain(f"\nWritten to {target}"))


# -- notes ---------------------------------------------------------------------------------


@click.group()
def notes() -> None:
    """Notes for managers who don't type them into Outlook."""


@notes.command("add")
@click.argument("pair")
@click.option("--private", is_flag=True,
              help="Keep it in the database only: never in an agenda or an email.")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), callback=day_in_years,
              help="The meeting's date (default: the most recent one).")
@click.pass_obj
def notes_add(obj: Ctx, pair: str, private: bool, on: datetime | None) -> None:
    """Add notes to PAIR's meeting, from stdin or $EDITOR. Lines like
    'Action: Sam: send the plan by 12 Dec' become actions."""
    from service.domain.notes import action_fingerprint, parse_action

    store = _store(obj)
    view = _pair(store, pair)
    now = obj.now()
    # --date is the meeting's date where it happens (its own series' zone: the live series
    # may be gone, deleted in Outlook), as for `preview`: a Sydney meeting at 10:00 is
    # 23:00 UTC the day before.
    zones = {s.id: s.time_zone for s in store.pairing_series(view.pairing.id)}

    def zone_of(o: Any) -> ZoneInfo:
        return ZoneInfo(zones.get(o.series_id)
                        or (view.series.time_zone if view.series else "UTC"))

    zone = ZoneInfo(view.series.time_zone if view.series else "UTC")
    past = [o for o in store.pairing_occurrences(view.pairing.id)
            if o.start <= now and o.status != OccurrenceStatus.CANCELLED]
    if on is not None:
        past = [o for o in store.pairing_occurrences(view.pairing.id)
                if o.start.astimezone(zone_of(o)).date() == on.date()
                and o.status != OccurrenceStatus.CANCELLED]
        if not past and on.date() > now.astimezone(zone).date():
            # (A meeting to come may not be stored yet: `status` works it out of the series.)
            raise ServiceError(f"{on:%Y-%m-%d} is still to come: notes are added to a meeting "
                               "held. Type them into the meeting in Outlook during it, or "
                               "add them here after it.")
        if not past:
            raise ServiceError(f"No meeting of {name_of(view.manager)} & "
                               f"{name_of(view.report)} on {on:%Y-%m-%d}. `onetoone status` "
                               "shows the last and next ones.")
    occ = past[-1] if past else None
    if occ is not None:
        zone = zone_of(occ)
    text = sys.stdin.read() if not sys.stdin.isatty() else (click.edit(
        "\n# Notes for your 1-2-1. Lines starting 'Action:' become actions.\n") or "")
    text = clean_text(text)[0]  # as for topics: cleaned where it comes in
    lines = [ln.rstrip() for ln in text.splitlines() if not ln.startswith("#")]
    if not any(ln.strip() for ln in lines):
        raise ServiceError("No notes given (nothing on stdin or in the editor).")
    note_lines, actions_added = [], 0
    meeting = occ.start.astimezone(zone).date() if occ else now.astimezone(zone).date()
    for line in lines:
        if line.lower().startswith("action:") and not private:
            parsed = parse_action(line.split(":", 1)[1], meeting_date=meeting,
                                  manager_name=view.manager.name, report_name=view.report.name,
                                  working_days=view.manager.working_days or range(5),
                                  given_names=view.given_names)
            if parsed is not None:
                actions_added += store.add_action(
                    pairing_id=view.pairing.id, occurrence_id=occ.id if occ else None,
                    owner=parsed.owner, text=parsed.text, due=parsed.due, raised_on=meeting,
                    now=now, fingerprint=action_fingerprint(parsed.owner, parsed.text,
                                                            parsed.due, source="cli"))
                continue
        note_lines.append(line)
    note = "\n".join(note_lines).strip()
    occ_id = occ.id if occ else None
    # Run twice (a retry, a re-pasted file), the same note is not stored (and mailed) twice,
    # as the same action isn't; nor is an empty one when every line was an action.
    saved = bool(note) and not store.has_cli_note(view.pairing.id, occ_id, note,
                                                  private=private)
    if saved:
        store.add_note(view.pairing.id, occ_id, note, private=private, now=now)
    if occ is not None and not private and occ.end <= now and occ.status in (
            OccurrenceStatus.HELD_NO_NOTES, OccurrenceStatus.SCHEDULED, OccurrenceStatus.MOVED,
            OccurrenceStatus.DECLINED):
        # The meeting now has notes: it is held, and its summary goes on the next run.
        store.update_occurrence(occ.id, now, status=OccurrenceStatus.HELD,
                                captured_at=occ.captured_at or now)
    where = (f"the meeting on {occ.start.astimezone(zone):%d %b %Y}" if occ
             else "the pair (no meeting yet)")
    kind = "private note (never shared)" if private else "note"
    said = (f"Saved a {kind}" if saved else "No note text" if not note
            else f"Not saved again: the same {kind} is already there")
    console.print(plain(f"{said} for {where}; {actions_added} action(s) added."))


# -- actions -------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--pair", help="Only this pair (the report's email).")
@click.option("--open", "open_only", is_flag=True, help="Only actions not yet done.")
@click.pass_context
def actions(click_ctx: click.Context, pair: str | None, open_only: bool) -> None:
    """List actions agreed in 1-2-1s."""
    if click_ctx.invoked_subcommand is not None:
        return
    store = _store(click_ctx.obj)  # (it only reads)
    pairing_id = _pair(store, pair).pairing.id if pair else None
    names = {v.pairing.id: f"{name_of(v.manager)} & {name_of(v.report)}"
             for v in store.views()}
    table = Table("id", "pair", "owner", "what", "due", "status", "carried")
    # Names, owners and what was agreed are the pair's words: cleaned and shown as text, so
    # a tab or line break can't split a row and "[bold]" stays as typed.
    for a in store.actions(pairing_id, open_only=open_only):
        table.add_row(str(a.id), cell(names.get(a.pairing_id, "?")), cell(a.owner),
                      cell(a.text), str(a.due or ""), a.status, str(a.carried))
    console.print(table)


@actions.command("done")
@click.argument("action_id", type=int)
@click.pass_obj
def actions_done(obj: Ctx, action_id: int) -> None:
    """Mark action ACTION_ID done (it leaves the next agendas)."""
    if not _store(obj).close_actions([action_id], None, obj.now()):
        raise ServiceError(f"No open action #{action_id}. `onetoone actions --open` lists them.")
    console.print(f"Action #{action_id} is done.")


COMMANDS: tuple[click.Command, ...] = (topics, preview, notes, actions)

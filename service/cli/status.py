"""`onetoone status`: per pair, what is next, what happened, and what needs a look."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from service.cli.admin import NOW_HELP, needs_decision
from service.cli.context import Ctx
from service.cli.output import console, labelled, name_of, person_cell, print_table
from service.domain.insight import failing_listing
from service.domain.own_series import below_guidance
from service.domain.run_health import runs_lines
from service.domain.series import next_meeting
from service.domain.status import (
    MEETING_SERIES,
    NOT_BOOKED,
    OccurrenceStatus,
    OutboxStatus,
    PairingStatus,
    SeriesStatus,
)
from service.domain.text import for_one_line

# Moved and rebooked meetings older than this are history, not news: status leaves them out.
RECENT = timedelta(weeks=8)
# How far ahead status looks for a pair's next meeting of its series.
LOOK_AHEAD = timedelta(days=120)


@click.command()
@click.option("--now", "now_text", help=NOW_HELP)
@click.pass_obj
def status(obj: Ctx, now_text: str | None) -> None:
    """The last run and directory sync (failing since when, and with what); per pair: next
    meeting, last held, meetings onetoone moved and rebooked, pairs that missed two in a
    row, open actions, pending or unconfirmed mail. Times are in each series' own time
    zone."""
    from service.app import open_store
    from service.domain.attendance import missed_flag, run_history
    from service.domain.slot_text import HOURS_CHANGED, compromises
    from service.jobs.held_mailboxes import held_lines

    store = open_store(obj.settings, create=False)  # (it only reads)
    now = obj.now(now_text)
    mail = store.outbox()
    table = Table(caption="PAIR arguments take the report's email. Times are in each "
                          "series' own zone.")
    # rich would fold an email in two to make room; one that can't be pasted as a PAIR
    # argument is worse than a narrower "mail" column, so the others give way.
    for column in ("manager", "report", "status", "next meeting", "last held"):
        table.add_column(column, no_wrap=True)
    table.add_column("open actions")
    table.add_column("mail")
    table.add_column("attention", no_wrap=True)
    problems = []
    details: list[str] = []
    # The worker's last run and directory sync first: a table of pairs looks healthy all
    # through a sign-in outage (an expired client secret), which only the runs show.
    for line in runs_lines(store.runs()):
        console.print(Text(line, "bold red" if "(failing since" in line else ""))
    # The series whose slots are meetings: the active one and any superseded one still
    # holding the meetings before its follow-on starts. One still being created is not (its
    # creation may have been killed: nothing may be in Outlook).
    meeting_series: dict[int, list[Any]] = {}
    for s in store.all_live_series():
        if s.status in MEETING_SERIES:
            meeting_series.setdefault(s.pairing_id, []).append(s)
    runs_on = _running_on(store, mail)
    views = store.views()
    # Mailboxes Graph keeps throttling, left alone until a time.
    throttled = {h.mailbox for h in store.mailbox_holds(now)}
    for view in views:
        zone = _zone(view.series)
        occs = _standing(store, view.pairing.id)
        held = [o for o in occs if o.status == OccurrenceStatus.HELD and o.start <= now]
        upcoming = next_meeting(meeting_series.get(view.pairing.id, []), occs, now,
                                within=LOOK_AHEAD)
        next_text = "—"
        if upcoming is None and view.series is not None and (
                view.series.status == SeriesStatus.CREATING):
            next_text = "not scheduled yet\n(being created)"
        if upcoming is not None:
            next_text = _when(upcoming.start, zone, "\n") + (
                _tag(upcoming.stored) if upcoming.stored is not None else "")
        mine = [m for m in mail if m.pairing_id == view.pairing.id]
        counts = {s: sum(1 for m in mine if m.status == s)
                  for s in (OutboxStatus.PENDING, OutboxStatus.SENDING,
                            OutboxStatus.UNCONFIRMED, OutboxStatus.FAILED, OutboxStatus.SENT)}
        mail_text = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "—"
        for m in mine:
            if needs_decision(m):
                problems.append(f"mail #{m.id} {m.status}: {m.kind} for "
                                f"{name_of(view.report)} ({m.key}) — {m.last_error}")
        # A meeting skipped for a long absence is neither held nor missed.
        flag = missed_flag(run_history(occs), now)
        moved, rebooked = _moved_and_rebooked(occs, zone, now)
        attention = [f"[bold red]{escape(flag)}[/bold red]"] if flag else []
        attention += [f"{n} {what}" for n, what in ((len(moved), "moved"),
                                                    (len(rebooked), "rebooked")) if n]
        # A series booked at a compromise time stays flagged until it is moved (a new
        # series gets a new note): the schedule run said it once, this says it every time.
        # Of each series holding meetings to come: once extended, the coming months' are on
        # the superseded one (a new starter's weekly series, say), whose note it is.
        compromised = tuple(dict.fromkeys(
            c for s in _holding(view.series, meeting_series.get(view.pairing.id, []), now)
            for c in compromises(s.slot_note)))
        if any(c.code != HOURS_CHANGED for c in compromised):
            attention.append("compromise time")
        if any(c.code == HOURS_CHANGED for c in compromised):
            attention.append("outside someone's hours")
        # A series chosen in Outlook (adopted, or re-timed there) meeting less often than
        # the guidance asks is kept as it stands, never cancelled for it: said every time.
        # Not a follow-on yet to begin (a new starter's monthly one, booked with their
        # weekly one): the pair meets on the series before it until then.
        rarer = (below_guidance(view.series.cadence, view.pairing)
                 if view.series is not None and view.series.status == SeriesStatus.ACTIVE
                 and view.pairing.status == PairingStatus.ACTIVE
                 and view.series.first_date <= now.date() else "")
        if rarer:
            attention.append("less often than the guidance")
        # A pair the last run could not book (it is tried again every run): why, from the
        # run that refused it (the worker's log names it by its key only). Not once the pair
        # has ended: nothing is tried any more, and its note is never cleared.
        unbooked = (view.pairing.note if view.pairing.note.startswith(NOT_BOOKED) and (
            view.pairing.status == PairingStatus.ACTIVE) and (
            view.series is None or view.series.status == SeriesStatus.CREATING) else "")
        if unbooked:
            attention.insert(0, "[bold red]not booked[/bold red]")
        elif view.pairing.status == PairingStatus.OWN_SERIES and view.series is None:
            # Left to a series of its own: which one, and how to have onetoone book one.
            unbooked = view.pairing.note
            attention.insert(0, "[yellow]their own series[/yellow]")
        # A series whose calendar the worker cannot read backs off rather than failing on
        # every run, so its log lines thin out: said here until a read succeeds. Any series
        # holding its meetings: once extended, those of the coming months are on the
        # superseded one, the only one listed until the follow-on starts.
        # (Not a superseded one whose meetings are all past: it is never listed again, so
        # its last failure would stand for good; the report judges it alike.)
        unreadable = _unreadable(failing_listing(
            view.series, [s for s in meeting_series.get(view.pairing.id, [])
                          if s.status == SeriesStatus.SUPERSEDED], now),
            view.manager.email, now)
        if unreadable:
            attention.append("[yellow]calendar unreadable[/yellow]")
        # Its meetings listed, yet their agenda's own read or update refused (403): tried
        # and refused on every run, and said only in the worker log until now.
        refused = _agenda_refused(view.pairing.agenda_denied_at, view.manager.email)
        if refused:
            attention.append("[yellow]agenda refused[/yellow]")
        # An ended series with no end date in Outlook, still cancelled a stretch at a time:
        # said until its manager ends it there (then the next stretch lets it go).
        running = runs_on.get(view.pairing.id, [])
        if running:
            attention.append("[yellow]no end date in Outlook[/yellow]")
        if throttled & {p.lower() for p in (view.manager.id, view.manager.email,
                                            view.report.id, view.report.email)}:
            attention.append("[yellow]mailbox throttled[/yellow]")
        if (moved or rebooked or compromised or unbooked or unreadable or refused or rarer
                or running):
            details.append(f"{name_of(view.manager)} & {name_of(view.report)} "
                           f"<{view.report.email}>:")
            details += [f"  {unbooked}"] if unbooked else []
            details += [f"  {line}" for line in running]
            details += [f"  {rarer}"] if rarer else []
            details += [f"  {unreadable}"] if unreadable else []
            details += [f"  {refused}"] if refused else []
            details += [f"  {line}" for line in moved + rebooked]
            details += [f"  booked at a compromise time: {c.words}"
                        if c.code != HOURS_CHANGED else f"  {c.words}" for c in compromised]
        table.add_row(
            Text(person_cell(view.manager)), Text(person_cell(view.report)),
            escape(view.pairing.status.replace("_", " ")), escape(next_text),
            f"{held[-1].start.astimezone(zone):%d %b %Y}" if held else "—",
            str(len(store.open_actions(view.pairing.id))), escape(mail_text),
            "\n".join(attention) or "—")
    print_table(table)
    if details:
        console.print("Meetings onetoone moved or rebooked (the last "
                      f"{RECENT.days // 7} weeks and ahead), and times that need a look:")
        # One line each: a note or reason holding a line break must not make a line that
        # reads as another pair's.
        for line in details:
            indent = line[:len(line) - len(line.lstrip(" "))]
            console.print(Text(indent + for_one_line(line)))
    for line in held_lines(store, now) if throttled else []:
        console.print(labelled("held:", "yellow", line))
    for line in problems:
        console.print(Text(for_one_line(line), "yellow"))
    if problems:
        console.print("Settle them with `onetoone mail resend ID` (every failed one at once: "
                      "`onetoone mail resend --failed`) or `onetoone mail mark-sent ID` (see "
                      "`onetoone mail --help`).")
    for line in _holiday_zones(obj.settings, views):
        console.print(labelled("warning:", "yellow", line))


def _holiday_zones(settings: Any, views: list[Any]) -> list[str]:
    """People whose mailbox time zone (as stored) is outside the country of the holidays
    they get, as `onetoone doctor` says it. Status reads no directory: members of a
    [holidays.groups] group are counted as the default's, and the line says so."""
    from service.domain.holiday_zones import FIX, outside_zones, zone_table
    from service.store.files import zone_tables

    cfg = settings.holidays
    people = {p.id: p for v in views if v.pairing.status == PairingStatus.ACTIVE
              for p in (v.manager, v.report)}
    found = outside_zones(((cfg.code_for(p.email), p.time_zone) for p in people.values()),
                          zone_table(zone_tables()))
    unsure = (" (unless a [holidays.groups] group holds them: status reads no group, "
              "`onetoone doctor` does)" if cfg.groups else "")
    return [f"{o.words()}{unsure if o.code == cfg.default_code else ''}. {FIX}"
            for o in found]


def _running_on(store: Any, mail: list[Any]) -> dict[int, list[str]]:
    """Per pairing, a line for each ended series whose meetings onetoone still cancels (no
    end date in Outlook), once found so: its manager was asked to end it (the notice is
    queued with it). A series only to be looked at once (ended before the upgrade that
    keeps this) is not listed: most of them have an end date."""
    from service.domain.runs_on import NOTICE_KIND, STRETCH_MONTHS, notice_key
    from service.jobs.runs_on import slot_words

    notices = {m.key: m for m in mail if m.kind == NOTICE_KIND}
    out: dict[int, list[str]] = {}
    for series in store.running_on():
        notice = notices.get(notice_key(series.id))
        if notice is None or series.cancelled_to is None:
            continue
        asked = (f"asked by mail on {notice.sent_at:%d %b %Y}"
                 if notice.status == OutboxStatus.SENT and notice.sent_at is not None
                 else f"the mail asking them is {notice.status}")
        out.setdefault(series.pairing_id, []).append(
            f"its ended series ({slot_words(series)}) has no end date in Outlook: its "
            f"meetings are cancelled up to {series.cancelled_to:%d %b %Y}, the later ones "
            f"{STRETCH_MONTHS} months at a time, until the manager ends it there ({asked})")
    return out


def _holding(live: Any, meeting: list[Any], now: datetime) -> list[Any]:
    """The pair's series as stored (``live``) and those of ``meeting`` (the series whose
    slots are meetings) with meetings still to come, each once."""
    out = {s.id: s for s in meeting if s.range_end >= now.astimezone(_zone(s)).date()}
    if live is not None:
        out.setdefault(live.id, live)
    return list(out.values())


def _zone(series: Any) -> ZoneInfo:
    """The series' own zone (the one its times are fixed in); UTC for a pair without one."""
    return ZoneInfo(series.time_zone if series is not None else "UTC")


def _when(instant: datetime, zone: ZoneInfo, sep: str = " ") -> str:
    """'Thu 26 Nov 13:30 Europe/London': local time with the zone named."""
    return f"{instant.astimezone(zone):%a %d %b %H:%M}{sep}{zone.key}"


def _unreadable(series: Any, mailbox: str, now: datetime) -> str:
    """What to say of a series whose meetings the worker could not list lately (its
    manager's mailbox denied to the app, gone, or Graph failing for it); "" if it can."""
    if series is None or series.listing_failed_at is None:
        return ""
    since = series.listing_failed_at
    retry = series.listing_retry_at
    again = (f"tried again from {retry:%a %d %b %H:%M} UTC" if retry is not None and retry > now
             # Past its retry instant it waits for its next listing: an agenda falling
             # due, or a change seen in the calendar (not necessarily the next run).
             else "read again when its next agenda falls due")
    return (f"its meetings in {mailbox}'s calendar could not be read since "
            f"{since:%a %d %b %H:%M} UTC, so no agenda is written there; {again} (the "
            "worker log's occurrences.failed lines say why; a mailbox outside the app's "
            "access policy: docs/admin/mailbox-access.md)")


def _agenda_refused(since: datetime | None, mailbox: str) -> str:
    """What to say of a pair whose agenda Graph refused (403) since ``since``; "" if not."""
    if since is None:
        return ""
    return (f"Microsoft Graph has refused to let the app read or update its meetings in "
            f"{mailbox}'s calendar since {since:%a %d %b %H:%M} UTC, so no agenda is written "
            "there: grant the app the Calendars.ReadWrite application permission (with admin "
            "consent), and check that the application access policy or RBAC scope includes "
            f"{mailbox} (docs/admin/mailbox-access.md). Said until a read or update of them "
            "succeeds.")


def _moved_reason(occ: Any) -> str:
    reason = (occ.moved_reason or "").strip()
    return reason if reason.lower().startswith("moved") else f"moved: {reason}"


def _tag(occ: Any) -> str:
    """A line saying the report declined this meeting, or onetoone moved or rebooked it
    (details under the table)."""
    if occ.status == OccurrenceStatus.DECLINED:  # (still in the manager's calendar)
        return "\n(declined)"
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
        if row is not None and row.status == SeriesStatus.ENDED and (
                occ.start.astimezone(_zone(row)).date() > row.range_end):
            continue
        if row is not None and row.status == SeriesStatus.DELETED and row.ended_at is not None and (
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


COMMANDS: tuple[click.Command, ...] = (status,)

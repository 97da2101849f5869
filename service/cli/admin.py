"""Commands for the operator: pairs, schedule, tick, run, mail and forget."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from service.cli.context import Ctx, parse_now
from service.cli.output import (
    cell,
    console,
    err_console,
    labelled,
    name_of,
    person_cell,
    plain,
    print_meetings,
    print_schedule,
    print_table,
    progress_bar,
    spinner,
)
from service.cli.person import PERSON_ID_HELP, one_person
from service.domain.status import WAIT_FOR_RESET, OutboxStatus, PairingStatus
from service.domain.text import for_one_line
from service.errors import ServiceError

NOW_HELP = "As of this ISO-8601 instant (default: now)."
ALLOW_ENDS_HELP = ("Let this run's pairs sync end up to N pairs, over [pairs] max_ends (a "
                   "real reorganisation; a later mass end is still refused).")


def needs_decision(mail: Any) -> bool:
    """Failed or unconfirmed mail an operator can still settle (erased mail never goes, so
    there is nothing to decide about it)."""
    return (mail.status in (OutboxStatus.FAILED, OutboxStatus.UNCONFIRMED)
            and mail.body_html != "[erased]")


# -- pairs ---------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--now", "now_text", help=NOW_HELP)
@click.pass_context
def pairs(click_ctx: click.Context, now_text: str | None) -> None:
    """Show each manager-report pair and what would happen to it (changes nothing)."""
    if click_ctx.invoked_subcommand is not None:
        return
    obj: Ctx = click_ctx.obj
    from service.app import job_context, store_or_blank
    from service.domain.cadence import choose_cadence, report_today
    from service.jobs.pairs import gather
    from service.jobs.series_plan import series_cell

    now = obj.now(now_text)

    async def go(blank: Any) -> tuple[Any, dict[str, Any], list[Any]]:
        async with job_context(obj.settings, now, store=blank) as jc:
            plan = await gather(jc, now)
            return (plan, {v.pairing.key: v for v in jc.store.views()},
                    jc.store.all_live_series())

    with store_or_blank(obj.settings) as blank:
        plan, stored, holding = asyncio.run(go(blank))
    table = Table(title="Pairs", caption="PAIR arguments (topics, preview, notes, "
                  "actions --pair) take the report's email.")
    # rich would fold an email in two to make room; one that can't be pasted as a PAIR
    # argument is worse than a narrower "why" column, so the others give way.
    for column in ("manager", "report"):
        table.add_column(column, no_wrap=True)
    for column in ("cadence", "series", "what happens", "why"):
        table.add_column(column)
    policy = obj.settings.cadence_policy()
    for action in plan.actions:
        spec, view = action.spec, stored.get(action.key)
        manager = person_cell(spec.manager if spec else (view.manager if view else None))
        report = person_cell(spec.report if spec else (view.report if view else None))
        cadence = ""
        if action.spec is not None:
            c = choose_cadence(action.spec, policy, report_today(action.spec, now))
            cadence = f"{c.kind} {c.minutes}m"
        series = "none"
        if view is not None and view.series is not None:
            series = series_cell(view.series, [s for s in holding
                                               if s.pairing_id == view.pairing.id], now)
        elif view is not None and view.pairing.status == PairingStatus.SERIES_DELETED:
            series = "deleted by manager"
        elif view is not None and view.pairing.status == PairingStatus.OWN_SERIES:
            series = "their own, in Outlook"
        # The reason names people (and a pairs file's cells): shown as text, cleaned.
        table.add_row(Text(manager), Text(report), escape(cadence), escape(series),
                      escape(action.kind), cell(action.reason))
    print_table(table)
    for line in plan.warnings:
        err_console.print(labelled("warning:", "", line))


@pairs.command("reset")
@click.argument("report_email")
@click.pass_obj
def pairs_reset(obj: Ctx, report_email: str) -> None:
    """Schedule again a pair whose series the manager deleted, or that was left to a 1-2-1
    series of its own in Outlook (by the report's email; such a series still there is
    found and left alone again)."""
    from service.app import open_store

    store = open_store(obj.settings, create=False)  # (it needs what runs stored)
    for view in store.views(list(WAIT_FOR_RESET)):
        if view.report.email.lower() == report_email.lower():
            store.reset_pairing(view.pairing.key, obj.now())
            # Names are text, never markup: "Rob Report [ext]" keeps its "[ext]".
            console.print(plain(f"{name_of(view.manager)} & {name_of(view.report)} will be "
                                "scheduled again on the next run."))
            return
    raise ServiceError(f"No pair with report {report_email} has a deleted series or one of "
                       "its own.")


# -- schedule / tick / run -----------------------------------------------------------------

# How far from the clock --now may be for a run that changes a real tenant: well inside the
# shortest claim a worker holds (PLAN_LEASE, 2 minutes). Replicas judge one another's leases
# and mail claims by their own instants: a run stamped minutes ahead would take over pairs a
# worker holds this moment and write their agendas again; one behind would stamp claims that
# look older than they are.
REAL_NOW_SLACK = timedelta(minutes=1)


def _span(off: timedelta) -> str:
    hours = abs(off).total_seconds() / 3600
    when = (f"{hours / 24:.0f} days" if hours >= 48 else f"{hours:.1f} hours" if hours >= 1
            else f"{hours * 60:.0f} minutes")
    return f"{when} {'ahead of' if off > timedelta(0) else 'behind'}"


def _run_tick(obj: Ctx, now_text: str | None, dry_run: bool, label: str,
              allow_ends: int = 0) -> Any:
    """One tick as of --now, with a progress bar on a terminal."""
    from service.app import job_context, store_or_blank
    from service.jobs.tick import tick

    now = obj.now(now_text)
    if now_text and not dry_run and not obj.settings.is_sandbox:
        off = now - obj.now()
        if abs(off) > REAL_NOW_SLACK:
            # Against real calendars a run as of another instant acts on real people: a past
            # one ends and re-books series (the next real run undoes it), a future one reads
            # meetings not held yet as held without notes.
            raise ServiceError(
                f"--now {now_text} is {_span(off)} the clock, and [microsoft] points at a "
                "real tenant: a run as of that instant would book, cancel and mail real "
                "people. Use --dry-run to see what it would do, or drop --now.")

    async def go(blank: Any) -> Any:
        with progress_bar(label) as update:
            async with job_context(obj.settings, now, progress=update, store=blank) as jc:
                return await tick(jc, now, dry_run=dry_run, allow_ends=allow_ends)

    if not dry_run:
        return asyncio.run(go(None))
    with store_or_blank(obj.settings) as blank:  # (a dry run leaves no database behind)
        return asyncio.run(go(blank))


@click.command("schedule")
@click.option("--dry-run", is_flag=True,
              help="Show what the pairs sync and the series would do; change nothing.")
@click.option("--now", "now_text", help=NOW_HELP)
@click.option("--allow-ends", type=click.IntRange(min=0), default=0, metavar="N",
              help=ALLOW_ENDS_HELP)
@click.pass_obj
def schedule_cmd(obj: Ctx, dry_run: bool, now_text: str | None, allow_ends: int) -> None:
    """Sync pairs and create, adopt, extend or end series; then, unless --dry-run, the rest of
    a tick (agendas, notes read back, mail), as `onetoone tick` does."""
    result = _run_tick(obj, now_text, dry_run, "Scheduling", allow_ends)
    if result.pairs.refused:  # (a dry run's: a real run fails its pairs step, and says so)
        err_console.print(labelled("warning:", "yellow", result.pairs.refused))
    print_schedule(result.schedule, dry_run)
    meetings_failed = print_meetings(result)
    if result.schedule.failed or meetings_failed:
        sys.exit(1)


@click.command("tick")
@click.option("--now", "now_text", help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help="Show what the pairs sync and the series would "
              "do (not agendas, notes or mail); change nothing.")
@click.option("--allow-ends", type=click.IntRange(min=0), default=0, metavar="N",
              help=ALLOW_ENDS_HELP)
@click.pass_obj
def tick_cmd(obj: Ctx, now_text: str | None, dry_run: bool, allow_ends: int) -> None:
    """Run every due job once, as of an instant (replays, dry runs, cron)."""
    result = _run_tick(obj, now_text, dry_run, "Running due jobs", allow_ends)
    counts = result.pairs.counts()
    # (A pairs step that failed changed nothing: said so, not "none", its error below.)
    synced = not any(step.startswith("pairs: ") for step in result.failed_steps)
    console.print("pairs: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                               or ("none" if synced else "not synced (failed: see below)")))
    for line in result.pairs.warnings:
        err_console.print(labelled("warning:", "yellow", line))
    print_schedule(result.schedule, dry_run)
    meetings_failed = print_meetings(result)
    if result.schedule.failed or meetings_failed:
        sys.exit(1)


@click.command("run")
@click.pass_obj
def run_cmd(obj: Ctx) -> None:
    """Run the worker: every due job on an interval until SIGTERM/SIGINT."""
    from service.worker import run_worker

    run_worker(obj.settings, obj.worker_clock())


# -- mail ----------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Every mail, not only those that "
              "need a decision.")
@click.pass_context
def mail(click_ctx: click.Context, show_all: bool) -> None:
    """Mail that needs an operator: failed, or unconfirmed (outcome unknown).

    The worker never sends such a mail again by itself, because a mail whose outcome is
    unknown may already be in the report's inbox. Look in the manager's Sent Items, then
    `mail resend ID` (it was not sent) or `mail mark-sent ID` (it was). Once what refused
    failed mail is put right, `mail resend --failed` queues all of it again."""
    if click_ctx.invoked_subcommand is not None:
        return
    from service.app import open_store

    store = open_store(click_ctx.obj.settings, create=False)  # (it only reads)
    # The outbox keeps the sender's mailbox by directory id; people read addresses.
    address = {p.id: p.email for v in store.views() for p in (v.manager, v.report)}
    rows = [m for m in store.outbox() if show_all or needs_decision(m)]
    if not rows:
        console.print("No mail needs a decision." if not show_all else "No mail yet.")
        return
    table = Table("id", "status", "kind", "from", "to", "subject", "error")
    for m in rows:
        # Subjects name people; errors are what Graph said: shown as text, cleaned.
        table.add_row(str(m.id), m.status, m.kind, cell(address.get(m.mailbox, m.mailbox)),
                      cell(m.recipients), cell(m.subject), cell(m.last_error or ""))
    console.print(table)


@mail.command("resend")
@click.argument("mail_id", type=int, required=False)
@click.option("--failed", "every_failed", is_flag=True,
              help="Every failed mail instead of one MAIL_ID (not unconfirmed mail: it may "
                   "have gone), once what refused it is put right.")
@click.option("--since", "since_text", metavar="T",
              help="With --failed: only mail that failed at or after this ISO-8601 instant "
                   "(no zone = UTC).")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
@click.pass_obj
def mail_resend(obj: Ctx, mail_id: int | None, every_failed: bool, since_text: str | None,
                yes: bool) -> None:
    """Queue failed or unconfirmed mail MAIL_ID (or, with --failed, every failed mail) to be
    sent at the worker's next run."""
    from service.app import open_store

    if (mail_id is None) != every_failed:
        raise click.UsageError("Give one MAIL_ID, or --failed for every failed mail.")
    if since_text is not None and not every_failed:
        raise click.UsageError("--since goes with --failed.")
    store = open_store(obj.settings, create=False)  # (it needs what runs stored)
    if mail_id is None:
        _resend_failed(store, parse_now(since_text, "'--since'") if since_text else None, yes)
        return
    row = next((m for m in store.outbox() if m.id == mail_id), None)
    sender = store.people([row.mailbox]).get(row.mailbox) if row is not None else None
    if (row is not None and row.status == OutboxStatus.UNCONFIRMED and not yes
            and not click.confirm(f"Mail #{mail_id} may already have been sent from "
                                  f"{for_one_line(sender.email if sender else row.mailbox)}. "
                                  "Checked its Sent Items and it is not there: send it "
                                  "again?")):
        raise ServiceError("Nothing changed.")
    done = store.settle_by_hand(mail_id, OutboxStatus.PENDING, obj.now(),
                                "queued again by an operator")
    console.print(plain(f"Mail #{done.id} ({done.kind}, {for_one_line(done.subject)}) will "
                        "be sent at the next run."))


def _resend_failed(store: Any, since: datetime | None, yes: bool) -> None:
    """`mail resend --failed`: every failed mail (since ``since``) queued again at once,
    after saying how many and from how many mailboxes. After a refusal that was no one
    mailbox's (a permission missing, a scope set wrong) there may be hundreds."""
    rows = store.failed_mail(since)
    when = f" since {since:%Y-%m-%d %H:%M} UTC" if since else ""
    if not rows:
        console.print(f"No failed mail{when}.")
        return
    kinds = Counter(m.kind for m in rows)
    what = (f"{len(rows)} failed mail(s){when} ("
            + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
            + f") from {len({m.mailbox for m in rows})} mailbox(es)")
    if not yes and not click.confirm(f"Send {what} again at the next run? Put right what "
                                     "refused them first (`onetoone mail` shows why)."):
        raise ServiceError("Nothing changed.")
    done = store.resend_failed([m.id for m in rows], "queued again by an operator")
    left = f"; {len(rows) - done} settled meanwhile, left as they are" if done < len(rows) else ""
    console.print(plain(f"{done} failed mail(s) will be sent at the next run{left}."))


@mail.command("mark-sent")
@click.argument("mail_id", type=int)
@click.pass_obj
def mail_mark_sent(obj: Ctx, mail_id: int) -> None:
    """Record that unconfirmed or failed mail MAIL_ID did go (found in Sent Items)."""
    from service.app import open_store

    store = open_store(obj.settings, create=False)  # (it needs what runs stored)
    done = store.settle_by_hand(mail_id, OutboxStatus.SENT, obj.now(),
                                "marked sent by an operator")
    console.print(plain(f"Mail #{done.id} ({done.kind}) recorded as sent."))


# -- forget --------------------------------------------------------------------------------


@click.command()
@click.argument("person_email")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
@click.option("--person-id", help=PERSON_ID_HELP)
@click.pass_obj
def forget(obj: Ctx, person_email: str, yes: bool, person_id: str | None) -> None:
    """Erase what was written about PERSON_EMAIL's 1-2-1s (notes, topics, actions, unsent
    mail), keeping counts and dates."""
    from service.app import open_store

    store = open_store(obj.settings, create=False)  # (it needs what runs stored)
    every = store.views()
    person = one_person(every, person_email, person_id)
    people = [v for v in every if person.id in (v.manager.id, v.report.id)]
    managed = sum(1 for v in people if v.manager.id == person.id)
    if not yes:
        reports = (f", including the 1-2-1s of all {managed} of their reports"
                   if managed else "")
        console.print(plain(
            f"This erases the notes (private ones too), topics, actions, report comments and "
            f"the text of unsent mail of {len(people)} 1-2-1 pair(s) involving "
            f"{person_email}{reports}. Counts and dates are kept. It cannot be undone."))
        if not click.confirm("Erase?"):
            # (exit 1, as every declined confirmation: a script must not take it for done)
            raise ServiceError("Nothing erased.")
    with spinner(f"Erasing what was written about {person_email}'s {len(people)} 1-2-1(s)"):
        erased = store.forget_person(person.id, obj.now())
    console.print(plain(f"Erased for {person_email}: " + ", ".join(
        f"{n} {k}" for k, n in erased.items())))


COMMANDS: tuple[click.Command, ...] = (pairs, schedule_cmd, tick_cmd, run_cmd, mail, forget)

"""The command line. The single place that prints, and the single catch point for errors."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from service import __version__
from service.errors import ConfigError, ServiceError

# Piped or redirected output (scripts, logs, `| less`) has no width; rich would assume 80
# columns and cut keys and ids short, so it gets room for whole values instead.
_PIPED_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
console = Console(width=_PIPED_WIDTH)
err_console = Console(stderr=True)
log = logging.getLogger(__name__)


def _parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 instant; use e.g. 2026-12-01T09:00:00Z"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class Ctx:
    def __init__(self, config: str | None, verbose: bool) -> None:
        self.config_path = config
        self.verbose = verbose
        self._settings: Any = None

    @property
    def settings(self) -> Any:
        if self._settings is None:
            from service.config import load_config

            self._settings = load_config(self.config_path)
            from service.logs import configure

            configure("DEBUG" if self.verbose else self._settings.worker.log_level,
                      self._settings.worker.log_format)
        return self._settings


def run_safely(fn: Callable[[], Any]) -> Any:
    """Run a command body; a ServiceError becomes its message (and causes) and exit 1."""
    try:
        return fn()
    except ServiceError as exc:
        err_console.print("[red]error:[/red] " + escape(str(exc)), highlight=False)
        verbose = click.get_current_context().find_object(Ctx)
        cause = exc.__cause__
        while cause is not None and verbose is not None and verbose.verbose:
            err_console.print(f"  caused by {type(cause).__name__}: {cause}", highlight=False,
                              markup=False)
            cause = cause.__cause__
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config", type=click.Path(dir_okay=False), envvar="ONETOONE_CONFIG",
              help="Configuration file (default ./onetoone.toml if present, else built-in "
                   "defaults: SQLite and the sandbox tenant). Env: ONETOONE_CONFIG.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging and full error causes.")
@click.version_option(__version__, prog_name="onetoone")
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: bool) -> None:
    """onetoone keeps every manager and direct report in a regular 1-2-1 in Outlook.

    Every setting can also come from ONETOONE_<SECTION>_<KEY> (e.g.
    ONETOONE_MICROSOFT_GRAPH_URL); the client secret only from
    ONETOONE_MICROSOFT_CLIENT_SECRET. See config.example.toml for every key.
    """
    ctx.obj = Ctx(config, verbose)


# -- init / config / db --------------------------------------------------------------------


@cli.command()
@click.option("--path", default="onetoone.toml", show_default=True, type=click.Path())
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str, force: bool) -> None:
    """Write a starter configuration file with every key and its default."""
    from service.config import STARTER_CONFIG

    target = Path(path)
    if target.exists() and not force:
        err_console.print(f"{path} already exists; use --force to overwrite it.")
        sys.exit(1)
    target.write_text(STARTER_CONFIG)
    console.print(f"Wrote {escape(path)}. Edit \\[microsoft] to point at your tenant (or leave "
                  "it empty for the sandbox), then run [bold]onetoone doctor[/bold].")


@cli.command("config")
@click.pass_obj
def show_config(obj: Ctx) -> None:
    """Show the effective configuration and where each value came from."""
    from service.config import describe

    def body() -> None:
        table = Table("key", "value", "from")
        for key, value, origin in describe(obj.settings):
            table.add_row(escape(key), escape(value), escape(origin))
        console.print(table)

    run_safely(body)


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Ctx) -> None:
    """Create or upgrade the database schema to this version."""
    from service.store.db import make_engine, upgrade

    def body() -> None:
        before, after = upgrade(make_engine(obj.settings.database.url))
        console.print(f"Database schema: {before or 'empty'} -> {after}")

    run_safely(body)


# -- doctor --------------------------------------------------------------------------------


@cli.command()
@click.pass_obj
def doctor(obj: Ctx) -> None:
    """Check config, database, sign-in and each Graph permission; one line each."""
    from service.doctor import run_checks

    def body() -> None:
        checks = asyncio.run(run_checks(obj.settings))
        ok = True
        for check in checks:
            mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
            console.print(f"{mark} " + escape(f"{check.name}: {check.detail}"),
                          highlight=False)
            if not check.ok:
                ok = False
                console.print("    fix: " + escape(check.fix), highlight=False)
        sys.exit(0 if ok else 1)

    run_safely(body)


# -- pairs / schedule / tick ------------------------------------------------------------


@cli.group(invoke_without_command=True)
@click.option("--now", "now_text", help="As of this ISO-8601 instant (default: now).")
@click.pass_context
def pairs(click_ctx: click.Context, now_text: str | None) -> None:
    """Show each manager-report pair and what would happen to it (changes nothing)."""
    if click_ctx.invoked_subcommand is not None:
        return
    obj: Ctx = click_ctx.obj
    from service.app import job_context
    from service.jobs.pairs import gather

    async def go() -> None:
        now = _parse_now(now_text)
        async with job_context(obj.settings, now) as jc:
            plan = await gather(jc, now.date())
            stored = {v.pairing.key: v for v in jc.store.views()}
        table = Table(title="Pairs", caption="PAIR arguments (topics, preview, notes, "
                      "actions --pair) take the report's email.")
        # rich would fold an email in two to make room; one that can't be pasted as a PAIR
        # argument is worse than a narrower "why" column, so the others give way.
        for column in ("manager", "report"):
            table.add_column(column, no_wrap=True)
        for column in ("cadence", "series", "what happens", "why"):
            table.add_column(column)
        from service.domain.cadence import choose_cadence
        from service.jobs.schedule import describe_slot

        policy = obj.settings.cadence_policy()
        for action in plan.actions:
            spec, view = action.spec, stored.get(action.key)
            manager = _person_cell(spec.manager if spec else (view.manager if view else None))
            report = _person_cell(spec.report if spec else (view.report if view else None))
            cadence = ""
            if action.spec is not None:
                c = choose_cadence(action.spec, policy, now.date())
                cadence = f"{c.kind} {c.minutes}m"
            series = "none"
            if view is not None and view.series is not None:
                series = describe_slot(view.series)  # in the series' own zone, named
            elif view is not None and view.pairing.status == "series_deleted":
                series = "deleted by manager"
            table.add_row(*(escape(c) for c in (manager, report, cadence, series, action.kind,
                                                action.reason)))
        console.print(table)
        for line in plan.warnings:
            err_console.print("warning: " + escape(line))

    run_safely(lambda: asyncio.run(go()))


def _person_cell(person: Any) -> str:
    """'Name' over 'email' (a report's email is what PAIR arguments take)."""
    if person is None:
        return "?"
    return f"{person.name}\n{person.email}" if person.name else person.email


@pairs.command("reset")
@click.argument("report_email")
@click.pass_obj
def pairs_reset(obj: Ctx, report_email: str) -> None:
    """Schedule again a pair whose series the manager deleted (by the report's email)."""
    from service.app import open_store

    def body() -> None:
        store = open_store(obj.settings)
        now = datetime.now(UTC)
        for view in store.views(["series_deleted"]):
            if view.report.email.lower() == report_email.lower():
                store.reset_pairing(view.pairing.key, now)
                console.print(f"{view.manager.name} & {view.report.name} will be scheduled "
                              "again on the next run.")
                return
        raise ServiceError(f"No pair with report {report_email} has a deleted series.")

    run_safely(body)


def _progress_runner(label: str) -> tuple[Any, Callable[[str, int, int], None]]:
    from rich.progress import Progress

    progress = Progress(console=err_console, transient=True)
    task = progress.add_task(label, total=None)

    def update(_name: str, done: int, total: int) -> None:
        if total >= 20:
            progress.start()
        progress.update(task, completed=done, total=total)

    return progress, update


def _print_schedule(report: Any, dry_run: bool) -> None:
    verb = "that would be created" if dry_run else "created"
    if report.planned:
        table = Table("pair", "series", title=f"Series {verb}")
        for pair, slot in report.planned:
            table.add_row(escape(pair), escape(slot))
        console.print(table)
    counts = report.summary()
    console.print(
        f"{'(dry run) would have ' if dry_run else ''}created {counts['created']}, adopted "
        f"{counts['adopted']}, extended {counts['extended']}, ended {counts['ended']}, "
        f"deleted by manager {counts['deleted_by_manager']}, moved {counts['moved']}, "
        f"failed {counts['failed']}"
    )
    for line in report.failed:
        err_console.print("[red]failed:[/red] " + escape(line), highlight=False)
    for line in report.warnings:
        err_console.print("[yellow]warning:[/yellow] " + escape(line), highlight=False)
    for line in report.deleted_by_manager:
        err_console.print("[yellow]deleted by manager (not recreated):[/yellow] " + escape(line))
    for line in report.moved:
        console.print("[cyan]moved (it double-booked someone):[/cyan] " + escape(line))
    if report.busy:
        err_console.print(
            f"[yellow]left to another worker:[/yellow] {len(report.busy)} pair(s) another "
            "running onetoone holds right now (they are picked up by the next run if it "
            "stops): " + escape(", ".join(report.busy[:10]))
            + (" …" if len(report.busy) > 10 else ""))


def _print_meetings(result: Any) -> bool:
    """Agenda, notes and mail lines of a tick; True when something failed."""
    if result.agenda is None:
        return False
    a, c, m = result.agenda, result.capture, result.mail
    console.print(
        f"agendas: {len(a.injected)} written, {len(a.updated)} updated, "
        f"{len(a.kept_person_edit)} left as a person edited them; notes read back: "
        f"{len(c.held)} with notes, {len(c.without_notes)} without; mail: {len(m.queued)} "
        f"queued, {len(m.sent)} sent, {len(m.unconfirmed)} unconfirmed")
    absences, rebook = result.absences, result.rebook
    if absences is not None and (absences.moved or absences.no_slot or absences.skipped):
        console.print(f"absences and holidays: {len(absences.moved)} meetings moved, "
                      f"{len(absences.no_slot)} with no free time (manager told), "
                      f"{len(absences.skipped)} skipped for a long absence")
        for line in absences.moved:
            console.print("[cyan]moved:[/cyan] " + escape(line), highlight=False)
    if rebook is not None and (rebook.offered or rebook.booked or rebook.reoffered):
        console.print(f"missed meetings: {len(rebook.offered)} rebooking offers sent, "
                      f"{len(rebook.reoffered)} sent again, {len(rebook.booked)} booked")
    failed = (result.occurrences.failed if result.occurrences else []) + a.failed + c.failed
    failed += m.failed
    failed += (absences.failed if absences else []) + (rebook.failed if rebook else [])
    for line in failed:
        err_console.print("[red]failed:[/red] " + escape(line), highlight=False)
    for key in m.unconfirmed:
        err_console.print(f"[yellow]unconfirmed mail {escape(key)}: see `onetoone status`"
                          "[/yellow]")
    return bool(failed)


@cli.command("schedule")
@click.option("--dry-run", is_flag=True, help="Show what would be created; change nothing.")
@click.option("--now", "now_text", help="As of this ISO-8601 instant (default: now).")
@click.pass_obj
def schedule_cmd(obj: Ctx, dry_run: bool, now_text: str | None) -> None:
    """Sync pairs and create, extend or end series as needed."""
    from service.app import job_context
    from service.jobs.tick import tick

    async def go() -> Any:
        now = _parse_now(now_text)
        progress, update = _progress_runner("Scheduling")
        with progress:
            async with job_context(obj.settings, now, progress=update) as jc:
                return await tick(jc, now, dry_run=dry_run)

    result = run_safely(lambda: asyncio.run(go()))
    _print_schedule(result.schedule, dry_run)
    meetings_failed = _print_meetings(result)
    if result.schedule.failed or meetings_failed:
        sys.exit(1)


@cli.command("tick")
@click.option("--now", "now_text", help="As of this ISO-8601 instant (default: now).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@click.pass_obj
def tick_cmd(obj: Ctx, now_text: str | None, dry_run: bool) -> None:
    """Run every due job once, as of an instant (replays, dry runs, cron)."""
    from service.app import job_context
    from service.jobs.tick import tick

    async def go() -> Any:
        now = _parse_now(now_text)
        async with job_context(obj.settings, now) as jc:
            return await tick(jc, now, dry_run=dry_run)

    result = run_safely(lambda: asyncio.run(go()))
    counts = result.pairs.counts()
    console.print("pairs: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                               or "none"))
    _print_schedule(result.schedule, dry_run)
    meetings_failed = _print_meetings(result)
    if result.schedule.failed or meetings_failed:
        sys.exit(1)


@cli.command("run")
@click.pass_obj
def run_cmd(obj: Ctx) -> None:
    """Run the worker: every due job on an interval until SIGTERM/SIGINT."""
    from service.worker import run_worker

    run_safely(lambda: run_worker(obj.settings, _simulated_clock(obj.settings)))


def _simulated_clock(settings: Any) -> Any:
    """The worker's clock from ONETOONE_TEST_CLOCK (crash tests run months in minutes), or
    None for real time. Refused against a real tenant: simulated time would book and mail
    real people on the wrong days."""
    from service.clock import FileClock, ScaledClock

    text = os.environ.get("ONETOONE_TEST_CLOCK", "").strip()
    if not text:
        return None
    if not settings.is_sandbox:
        raise ConfigError("ONETOONE_TEST_CLOCK is set but [microsoft] points at a real tenant; "
                          "a simulated clock only runs against the sandbox: unset it")
    try:
        return FileClock.parse(text) if text.startswith("file:") else ScaledClock.parse(text)
    except ValueError as exc:
        raise ConfigError(f"ONETOONE_TEST_CLOCK: {exc}") from None


@cli.command()
@click.option("--out", default="demo-out", show_default=True, type=click.Path(file_okay=False),
              help="Where to write the demo's HTML and state.")
@click.option("--now", "now_text", help="Run the demo as of this instant (default: now).")
def demo(out: str, now_text: str | None) -> None:
    """Schedule a sandbox organisation and show what everyone would see. No account needed."""
    from service.demo import run_demo

    run_safely(lambda: run_demo(Path(out), _parse_now(now_text), console))




def _register_meeting_commands() -> None:
    from service.cli_meetings import register, register_admin

    register(cli, console, run_safely)
    register_admin(cli, console, run_safely)


_register_meeting_commands()


def main() -> None:
    cli(prog_name="onetoone")


if __name__ == "__main__":
    main()

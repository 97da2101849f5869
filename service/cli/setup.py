"""Commands for whoever installs and runs onetoone: init, config, db, doctor, demo."""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from service.cli.context import Ctx
from service.cli.output import cell, console, err_console, labelled, plain, writing
from service.config.keys import DEFAULT_FILE, ENV_CONFIG


@click.command()
@click.option("--path", type=click.Path(),
              help="File to write (default: the global --config / ONETOONE_CONFIG if given, "
                   "else onetoone.toml), so that the other commands find it.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_obj
def init(obj: Ctx, path: str | None, force: bool) -> None:
    """Write a starter configuration file with every key and its default."""
    from service.config import STARTER_CONFIG

    # The option to name in a message: where the path came from.
    option = ("--path" if path else "--config (or ONETOONE_CONFIG)"
              if obj is not None and obj.config_path else "--path")
    path = path or (obj.config_path if obj is not None else None) or "onetoone.toml"
    target = Path(path)
    if target.exists() and not force and not target.is_dir():
        err_console.print(plain(f"{path} already exists; use --force to overwrite it."))
        sys.exit(1)
    if target.exists() and not target.is_file() and not target.is_dir():
        # (--force and a device: `--path /dev/sda` as root would write onto the disk)
        err_console.print(plain(f"{path} is not a regular file (a device, pipe or socket); "
                                "give --path a file name."))
        sys.exit(1)
    with writing(target, option):
        target.write_text(STARTER_CONFIG, encoding="utf-8")
    # The doctor that reads this file: a bare `onetoone doctor` reads ONETOONE_CONFIG, else
    # ./onetoone.toml (else the built-in sandbox, which passes).
    found = os.environ.get(ENV_CONFIG) or DEFAULT_FILE
    doctor = ("onetoone doctor" if target.absolute() == Path(found).absolute()
              else f"onetoone --config {shlex.quote(path)} doctor")
    console.print(Text.assemble(plain(f"Wrote {path}. Edit [microsoft] to point at your tenant "
                                      "(or leave it empty for the sandbox), then run "),
                                (doctor, "bold"), "."))


@click.command("config")
@click.pass_obj
def show_config(obj: Ctx) -> None:
    """Show the effective configuration and where each value came from."""
    from service.config import describe

    table = Table("key", "value", "from")
    for key, value, origin in describe(obj.settings):
        table.add_row(cell(key), cell(value), cell(origin))
    console.print(table)


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Ctx) -> None:
    """Create or upgrade the database schema to this version."""
    from service.app import refuse_elsewhere
    from service.store.db import make_engine, upgrade

    # (A unit's pre-start step, run from another folder than the pilot's: it would create
    # an empty database there, and the worker after it would run on that one.)
    refuse_elsewhere(obj.settings)
    before, after = upgrade(make_engine(obj.settings.database.url))
    console.print(f"Database schema: {before or 'empty'} -> {after}")


@db.command("copy")
@click.option("--to", "to_url", required=True, metavar="URL",
              help="The database to copy into: new and empty (e.g. "
                   "postgresql+psycopg://onetoone@db.example/onetoone).")
@click.pass_obj
def db_copy(obj: Ctx, to_url: str) -> None:
    """Copy everything stored into another, empty database (SQLite to PostgreSQL).

    Stop the worker first. The configured database ([database] url) is only read; the copy
    goes in as one transaction, so a failed one leaves the target empty. Then point
    [database] url at the new database and start the worker again."""
    from service.app import refuse_missing
    from service.config.checks import check_value
    from service.config.keys import BY_NAME
    from service.config.problems import Bad, Raw
    from service.config.settings import hide_password
    from service.errors import ConfigError
    from service.store.copy import copy_into
    from service.store.db import make_engine

    try:  # judged as [database] url is: an "@" not encoded would put the password in errors
        check_value(BY_NAME[("database", "url")], Raw(to_url, "--to", "--to"))
    except Bad as bad:
        raise ConfigError(f"--to {hide_password(to_url)} {bad.problem}. {bad.fix}") from None
    refuse_missing(obj.settings)  # (else an empty file made here, copied)
    source = make_engine(obj.settings.database.url)
    try:
        with console.status("Copying…") as shown:
            copied = copy_into(source, to_url, progress=lambda table, n: shown.update(
                f"Copying {table}: {n} rows"))
    finally:
        source.dispose()
    table = Table("table", "rows")
    for name, n in copied.rows:
        table.add_row(name, str(n))
    console.print(table)
    console.print(f"Copied {copied.total} rows. Now set \\[database] url (or "
                  "ONETOONE_DATABASE_URL) to the new database, check it with [bold]onetoone "
                  "doctor[/bold], and start the worker again.")


@click.command()
@click.pass_obj
def doctor(obj: Ctx) -> None:
    """Check config, database, sign-in and each Graph permission; one line each."""
    from service.doctor import run_checks

    checks = asyncio.run(run_checks(obj.settings))
    ok = True
    for check in checks:
        mark = (("✗", "red") if not check.ok else ("!", "yellow") if check.warn
                else ("✓", "green"))
        # Details quote what Graph said, a pairs file's lines, a path: shown as text.
        console.print(labelled(*mark, f"{check.name}: {check.detail}"))
        ok = ok and check.ok
        if not check.ok or check.warn:
            console.print(plain("    fix: " + check.fix))
    sys.exit(0 if ok else 1)


@click.command()
@click.option("--out", default="demo-out", show_default=True, type=click.Path(file_okay=False),
              help="Where to write the demo's HTML and state.")
@click.option("--now", "now_text", help="Run the demo as of this instant (default: now).")
@click.option("--force", is_flag=True,
              help="Write into a folder that holds files the demo did not write (never "
                   "over the database, config or pairs file).")
@click.pass_obj
def demo(obj: Ctx, out: str, now_text: str | None, force: bool) -> None:
    """Schedule a sandbox organisation and show what everyone would see. No account needed.

    Run again into the same folder, it walks the same weeks again over what it stored
    (nothing is booked twice; delete the folder to start afresh); a folder it did not create
    (nor found empty) is written into only with --force."""
    from service.cli.outfiles import check_folder, kept_files

    ours = check_folder(Path(out), None, "--out", force=force, kept=kept_files(obj))
    # Owner-only, as every file onetoone writes about people is: the made-up organisation's
    # notes, mail and sandbox state (a private note's mail in it) are the real thing's shape.
    umask = os.umask(0o077)
    try:
        _demo(obj, out, now_text, ours)
    finally:
        os.umask(umask)


def _demo(obj: Ctx, out: str, now_text: str | None, ours: bool) -> None:
    from service.cli.outfiles import mark
    from service.demo import run_demo
    from service.logs import configure

    with writing(Path(out), "--out"):
        Path(out).mkdir(parents=True, exist_ok=True)
        if ours:  # before the run: a run stopped half-way (Ctrl-C) may still be run again
            mark(Path(out))
        if not obj.verbose:
            # The walk's log (a compromise slot here, a re-read there) goes to a file: the
            # screen tells the story, and demo.log has every event for whoever wants them.
            configure("INFO", to=Path(out) / "demo.log")
        run_demo(Path(out), obj.now(now_text), console)


COMMANDS: tuple[click.Command, ...] = (init, show_config, db, doctor, demo)

"""The command line: one click group, and the one place where errors become what users see.

Commands are grouped by audience: `setup` (init, config, db, doctor, demo), `meetings`
(topics, preview, notes, actions: managers and reports), `admin` (pairs, schedule, tick, run,
mail, forget), `status`, and `report` (report, evidence, retention: HR and leaders). Every
command raises; only `execute` turns our error root into a message and exit 1, as
procrastinate's `execute_command` does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from service import __version__
from service.cli import admin, meetings, report, setup, status
from service.cli.context import Ctx
from service.cli.output import err_console, fit_to_output, labelled, plain
from service.errors import ServiceError


def execute(run: Callable[[], Any], ctx: click.Context) -> Any:
    """Run a command; a ServiceError becomes its message (and, with --verbose, its causes)
    and exit 1; Ctrl-C becomes click's "Aborted!" and exit 1."""
    try:
        return run()
    except ServiceError as exc:
        # Messages name people, files and what Graph said: outside text, shown as text
        # (line by line: a refused pairs file's problems are one a line).
        err_console.print(labelled("error:", "red", str(exc)))
        obj = ctx.find_object(Ctx)
        cause = exc.__cause__
        while cause is not None and obj is not None and obj.verbose:
            err_console.print(plain(f"  caused by {type(cause).__name__}: {cause}"))
            cause = cause.__cause__
        sys.exit(1)
    except (KeyboardInterrupt, EOFError) as exc:
        click.echo(file=sys.stderr)
        raise click.Abort() from exc


class _Group(click.Group):
    """The top group: every command (and sub-group) runs inside its `invoke`."""

    def invoke(self, ctx: click.Context) -> Any:
        return execute(lambda: super(_Group, self).invoke(ctx), ctx)


@click.group(cls=_Group,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    ONETOONE_MICROSOFT_CLIENT_SECRET. `onetoone init` writes a file with every key
    and its default; `onetoone config` shows where each value came from.
    """
    fit_to_output()
    ctx.obj = Ctx(config, verbose, worker=ctx.invoked_subcommand == "run")


for _module in (setup, admin, meetings, status, report):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    from service.app import tune_gc

    tune_gc()
    cli(prog_name="onetoone")


__all__ = ["cli", "execute", "main"]

"""Commands for HR and leaders: report (are 1-2-1s happening), evidence (one person's
record) and retention (erase what is older than [privacy] retain_months, now).

The files they write hold personal data: owner-only (0600), in a folder the admin names
(created 0700). Each command reads the clock once, through its context.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from service.cli.context import Ctx, in_years
from service.cli.output import console, plain, writing
from service.cli.person import PERSON_ID_HELP, one_person
from service.errors import ServiceError

NOW_HELP = "As of this ISO-8601 instant (default: now)."


def _period(now: datetime, start: date | None, end: date | None, zones: Iterable[str]
            ) -> Any:
    """--from/--to as a Period: --to defaults to the day after today where it is latest
    among the pairs' ``zones`` (today included wherever they meet), --from to six months
    before --to."""
    from service.domain.cadence import add_months
    from service.domain.insight import Period, through_today

    end = end or through_today(now, zones)
    start = start or add_months(end, -6)
    if start >= end:
        raise ServiceError(f"--from {start} is not before --to {end}: nothing to report.")
    return Period(start, end, now)


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None
    in_years(day, value)
    return day


@click.command("report")
@click.option("--from", "start", callback=_day, metavar="DATE",
              help="First day (YYYY-MM-DD; default: six months before --to).")
@click.option("--to", "end", callback=_day, metavar="DATE",
              help="Day after the last (YYYY-MM-DD, not included; default: tomorrow "
                   "where it is latest among the pairs, so today is in everywhere).")
@click.option("--out", "out", type=click.Path(file_okay=False), default="onetoone-report",
              show_default=True, help="Folder to write into (created owner-only).")
@click.option("--force", is_flag=True,
              help="Replace files already there (never the database, config or pairs file).")
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json"]), default="html",
              show_default=True, help="html: a static site; csv or json: for an HR system.")
@click.option("--now", "now_text", help=NOW_HELP)
@click.pass_obj
def report_cmd(obj: Ctx, start: date | None, end: date | None, out: str, force: bool,
               fmt: str, now_text: str | None) -> None:
    """Write a report for HR and leaders: are 1-2-1s happening, per pair, manager and group.

    Files are readable by their owner only: share them with the people entitled to see
    every pair's figures (HR, the leaders of the groups), not more widely. A folder this
    command created (or found empty) is written again without --force."""
    from service.app import open_store
    from service.cli.outfiles import check_folder, kept_files, mark
    from service.domain.insight import pair_zone
    from service.insight.report import build, render_files
    from service.store.insight import InsightReader, write_private

    now = obj.now(now_text)
    store = open_store(obj.settings, create=False)  # (it only reads)
    views = store.views()
    period = _period(now, start, end, {pair_zone(v) for v in views})
    histories = InsightReader(store.engine).histories(views)
    report = build(histories, period, obj.settings.report.min_group_size)
    files = render_files(report, fmt, f"{now:%Y-%m-%d %H:%M} UTC")
    folder = Path(out)
    ours = check_folder(folder, files, "--out", force=force, kept=kept_files(obj))
    for name, content in files.items():
        with writing(folder / name, "--out"):
            write_private(folder / name, content)
    if ours:
        mark(folder)
    console.print(plain(f"Wrote {len(files)} file(s) to {folder}/ ({len(report.pairs)} "
                         f"pairs, {len(report.attention)} need attention)."))


@click.command("evidence")
@click.argument("person_email")
@click.option("--from", "start", callback=_day, metavar="DATE", required=True,
              help="First day (YYYY-MM-DD).")
@click.option("--to", "end", callback=_day, metavar="DATE", required=True,
              help="Day after the last (YYYY-MM-DD, not included).")
@click.option("--as-manager", is_flag=True,
              help="Also the 1-2-1s PERSON_EMAIL held as manager (default: as report only).")
@click.option("--include-private", is_flag=True,
              help="Include private notes (`notes add --private`); the record says so.")
@click.option("--out", "out", type=click.Path(dir_okay=False),
              help="File to write (default: evidence-<person>-<from>-<to>.html|.pdf).")
@click.option("--pdf", is_flag=True, help="Write a PDF instead of HTML.")
@click.option("--force", is_flag=True,
              help="Replace a file already there (never the database, config or pairs file).")
@click.option("--now", "now_text", help=NOW_HELP)
@click.option("--person-id", help=PERSON_ID_HELP)
@click.pass_obj
def evidence_cmd(obj: Ctx, person_email: str, start: date, end: date, as_manager: bool,
                 include_private: bool, out: str | None, pdf: bool, force: bool,
                 now_text: str | None, person_id: str | None) -> None:
    """Write a dated record of PERSON_EMAIL's 1-2-1s: meetings, notes as read back and as
    mailed, actions and their history, topics they raised.

    For a performance conversation or a subject-access request. The file is readable by its
    owner only: give it to the person it is about, or to HR, not more widely."""
    from service.app import open_store
    from service.cli.outfiles import check_file, kept_files
    from service.domain.insight import Period
    from service.insight.evidence import Comment, PairInput, build, render_html, render_pdf
    from service.store.insight import InsightReader, write_private

    now = obj.now(now_text)
    if start >= end:
        raise ServiceError(f"--from {start} is not before --to {end}: nothing to record.")
    store = open_store(obj.settings, create=False)  # (it only reads)
    reader = InsightReader(store.engine)
    wanted = person_email.strip().lower()
    every = store.views()
    person = one_person(every, person_email, person_id)
    views = [v for v in every if v.report.id == person.id
             or (as_manager and v.manager.id == person.id)]
    pairs = []
    for history in reader.histories(views):
        pid = history.view.pairing.id
        role = "as report" if history.view.report.id == person.id else "as manager"
        comments = [Comment(c.occurrence_id, c.created_at, c.text)
                    for c in store.pair_report_comments(pid)]
        pairs.append((role, PairInput(history.view, history.occurrences, history.actions,
                                      history.topics,
                                      reader.pair_notes(pid, include_private=include_private),
                                      reader.pair_mail(pid), comments)))
    evidence = build((person.name, person.email, person.time_zone), pairs,
                     Period(start, end, now), include_private=include_private,
                     as_manager=as_manager, generated=f"{now:%Y-%m-%d %H:%M} UTC")
    suffix = "pdf" if pdf else "html"
    path = Path(out or f"evidence-{wanted.split('@')[0]}-{start}-{end}.{suffix}")
    check_file(path, "--out", force=force, kept=kept_files(obj))
    content = render_pdf(evidence) if pdf else render_html(evidence)
    with writing(path, "--out"):
        write_private(path, content)
    shown = sum(len(p.meetings) for p in evidence.pairs)
    # Said apart, so "0 meeting(s)" doesn't read as an empty record when there are some.
    loose = sum(len(p.unattached_notes) + len(p.unattached_actions) + len(p.unattached_mail)
                + len(p.unattached_comments) for p in evidence.pairs)
    console.print(plain(f"Wrote {path} ({shown} meeting(s); {loose} item(s) (notes, "
                         f"actions, mail, comments) not tied to a meeting; private notes "
                         f"{'included' if include_private else 'excluded'})."))


@click.command("retention")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
@click.option("--now", "now_text", help=NOW_HELP)
@click.pass_obj
def retention_cmd(obj: Ctx, yes: bool, now_text: str | None) -> None:
    """Erase now what is older than [privacy] retain_months (the worker does it daily).

    Notes of meetings before the cut-off, topics and actions raised before it, and mail
    recorded before it lose their words, as `forget` erases them; rows and counts stay."""
    from service.app import open_store
    from service.domain.retention import retention_cutoff

    months = obj.settings.privacy.retain_months
    now = obj.now(now_text)
    cutoff = retention_cutoff(now, months)
    if cutoff is None:
        raise ServiceError("[privacy] retain_months is 0 (keep everything): set it "
                           "(ONETOONE_PRIVACY_RETAIN_MONTHS) to erase older text.")
    if not yes and not click.confirm(f"Erase notes, topics, actions and mail from before "
                                     f"{cutoff:%Y-%m-%d}?"):
        raise ServiceError("Nothing erased.")
    erased = open_store(obj.settings, create=False).erase_older_than(cutoff, now)
    console.print(plain(f"Erased from before {cutoff:%Y-%m-%d}: " + ", ".join(
        f"{n} {k}" for k, n in erased.items())))


COMMANDS: tuple[click.Command, ...] = (report_cmd, evidence_cmd, retention_cmd)

"""What the commands print: the consoles, the progress bar, and the run reports' tables."""

from __future__ import annotations

import errno
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from service.domain.text import for_one_line, for_table_cell, for_terminal
from service.errors import ServiceError


def _output_width(stream: Any = None) -> int:
    """The terminal's width; piped or redirected output (scripts, logs, `| less`) has none,
    and rich would assume 80 columns and cut keys and ids short, so it gets $COLUMNS or room
    for whole values instead."""
    if (stream or sys.stdout).isatty():
        return shutil.get_terminal_size().columns
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else 160


# No emoji codes: rich would show a name holding ":thumbs_up:" as 👍 even where it is escaped
# as markup. (What the commands say never uses them.)
console = Console(width=_output_width(), emoji=False)
err_console = Console(stderr=True, width=_output_width(sys.stderr), emoji=False)


def fit_to_output() -> None:
    """Measure the output again for this command: the consoles outlive one invocation (tests,
    embedding), and the output may be another stream by now."""
    console.width = _output_width()
    err_console.width = _output_width(sys.stderr)


def cannot_write(path: Path, exc: OSError, option: str) -> ServiceError:
    """The one-line error for a file or folder ``path`` (given by ``option``, or its
    default) that could not be written: what went wrong and what to do."""
    folder = path.parent
    if exc.errno == errno.ENOENT and not folder.exists():
        why = f"the folder {folder} does not exist. Create it, or choose another {option}"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = f"{exc.strerror}. Choose a folder you can write to with {option}"
    elif exc.errno == errno.EISDIR:
        why = f"it is a folder. Give {option} a file name"
    elif exc.errno == errno.ELOOP and path.is_symlink():
        why = (f"it is a symbolic link, which is not followed (it could lead to any file). "
               f"Remove it, or choose another {option}")
    elif exc.errno == errno.ENOTDIR:
        why = f"part of it is a file, not a folder. Choose another {option}"
    else:
        why = f"{exc.strerror or exc}. Choose another {option}"
    return ServiceError(f"{path}: cannot be written: {why}.")


@contextmanager
def writing(path: Path, option: str) -> Iterator[None]:
    """Write ``path`` (named by ``option``) inside this block; a file-system failure
    becomes `cannot_write`'s message, not a traceback.

    `write_private` (the store's writer of personal data) already turns its OSError into a
    ServiceError saying the path cannot be written; the command knows which option named
    the path, so its message is replaced by one that also says what to do. Only failures on
    ``path``, a folder above it or a file below it (the demo's pages) are translated: the
    block may also read other files (a pairs file), whose errors say what they are."""

    def about_path(exc: BaseException | None) -> bool:
        if not isinstance(exc, OSError) or exc.filename is None:
            return False
        failed, target = Path(os.fsdecode(exc.filename)).absolute(), path.absolute()
        return failed == target or failed in target.parents or target in failed.parents

    try:
        yield
    except OSError as exc:
        if not about_path(exc):
            raise
        raise cannot_write(path, exc, option) from exc
    except ServiceError as exc:
        cause = exc.__cause__
        if not isinstance(cause, OSError) or not about_path(cause):
            raise
        raise cannot_write(path, cause, option) from cause


ProgressUpdate = Callable[[str, int, int], None]


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressUpdate | None]:
    """A progress bar on the terminal for a long run (None when stderr is not a terminal:
    scripts and log collectors get the report, not redraws). It shows once there are 20
    items, so a short run doesn't flash one."""
    if not err_console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    progress = Progress(console=err_console, transient=True)
    task = progress.add_task(label, total=None)

    def update(_name: str, done: int, total: int) -> None:
        if total >= 20:
            progress.start()
        progress.update(task, completed=done, total=total)

    with progress:
        yield update


def spinner(label: str) -> Any:
    """A spinner on the terminal while one long step runs; nothing otherwise."""
    # (A label may name what the operator typed: text, not markup.)
    return (err_console.status(Text(for_one_line(label))) if err_console.is_terminal
            else nullcontext())


# Entra allows 256-character display names; the name and email columns never wrap (an email
# must stay pasteable), so one long name would squeeze every other column of the table to
# nothing. Longer names are cut, with an ellipsis; the email says who it is.
NAME_WIDTH = 40


def person_cell(person: Any) -> str:
    """'Name' over 'email' (a report's email is what PAIR arguments take), each cleaned for a
    cell; tables take it as a ``Text``, never as markup."""
    if person is None:
        return "?"
    email = for_table_cell(str(person.email))
    name = for_one_line(person.name or "", NAME_WIDTH)
    return f"{name}\n{email}" if name else email


def name_of(person: Any) -> str:
    """A person's name (their email when they have none) inside a line of output: on one
    line and no longer than a name cell."""
    return for_one_line(person.name or "", NAME_WIDTH) or for_one_line(str(person.email))


def cell(value: Any) -> Text:
    """Outside text (a name, an action, a Graph error) as a table cell: cleaned to one line
    (`for_one_line`: the table wraps it to the column), and a ``Text``, so that ``[bold]``
    or ``[link=…]`` in it is shown as written, never read as rich markup."""
    return Text(for_one_line(str(value)))


def plain(text: str) -> Text:
    """A message holding outside text, as printed: cleaned line by line (`for_terminal`)
    and never read as markup (``escape`` would double a backslash at its end)."""
    return Text(for_terminal(text))


def labelled(label: str, style: str, text: str) -> Text:
    """``label`` (ours) in ``style``, then ``text`` as `plain` shows it."""
    return Text.assemble((label, style), " ", plain(text))


def _needs(column: Any) -> int:
    """The narrowest ``column`` can be with nothing cut: its widest line if it must not
    wrap, else its longest word (header included), plus its padding and border."""
    texts = [_text(c) for c in (column.header, *column.cells)]
    parts = ([line for t in texts for line in t.plain.splitlines()] if column.no_wrap
             else [word for t in texts for word in t.plain.split()])
    return max((cell_len(p) for p in parts), default=1) + 3


def _text(value: Any) -> Text:
    if isinstance(value, Text):
        return value.copy()
    return Text.from_markup(value, emoji=False) if isinstance(value, str) else Text(str(value))


def print_table(table: Table) -> None:
    """``table``, or, when the output is too narrow for it, each row as a few lines.

    rich fits a table to any width by cutting cells to "…" and squeezing whole columns to
    nothing: `status` on a 120-column terminal would show no open actions and no mail
    (failed included), and cut the emails that PAIR arguments take. A row as lines keeps
    every value whole: its first cell, then "column: value" for each other."""
    if 1 + sum(_needs(c) for c in table.columns) <= console.width:
        console.print(table)
        return
    if table.title:
        console.print(_text(table.title))
    (_, first), *rest = [(_text(c.header).plain, [_text(x) for x in c.cells])
                         for c in table.columns]
    for row in range(table.row_count):
        console.print(Text(", ").join(first[row].split()), soft_wrap=True)
        for header, cells in rest:
            console.print(Text.assemble(f"  {header}: ", Text(", ").join(cells[row].split())),
                          soft_wrap=True)
    if table.caption:
        console.print(_text(table.caption))


def print_schedule(report: Any, dry_run: bool) -> None:
    """The series a schedule run created (or would), its counts, and what needs a look."""
    verb = "that would be created" if dry_run else "created"
    if report.planned:
        table = Table("pair", "series", title=f"Series {verb}")
        for pair, slot in report.planned:
            table.add_row(cell(pair), cell(slot))
        console.print(table)
    counts = report.summary()
    console.print(
        f"{'(dry run) would have ' if dry_run else ''}created {counts['created']}, adopted "
        f"{counts['adopted']}, extended {counts['extended']}, ended {counts['ended']}, "
        f"deleted by manager {counts['deleted_by_manager']}, left to their own series "
        f"{counts['own_series']}, moved {counts['moved']}, "
        f"failed {counts['failed']}"
    )
    for line in report.failed:
        err_console.print(labelled("failed:", "red", line))
    for line in report.warnings:
        err_console.print(labelled("warning:", "yellow", line))
    for line in report.deleted_by_manager:
        err_console.print(labelled("deleted by manager (not recreated):", "yellow", line))
    for line in report.ended_in_outlook:
        err_console.print(labelled("ended in Outlook by the manager (not re-booked):",
                                   "yellow", line))
    for line in report.own_series:
        err_console.print(labelled("left to their own series (not booked):", "yellow", line))
    for line in report.own_series_over:
        console.print(labelled("booked again (was left to its own series):", "cyan", line))
    for line in report.moved:
        console.print(labelled("moved (it double-booked someone):", "cyan", line))
    for line in report.renamed:
        console.print(labelled("subject updated (someone was renamed):", "cyan", line))
    for line in report.runs_on:
        console.print(labelled("series with no end date in Outlook (ended; its meetings "
                               "cancelled a stretch at a time):", "cyan", line))
    for line in report.carried:
        console.print(labelled("follow-on series moved to the time the manager chose in "
                               "Outlook:", "cyan", line))
    # Booked, but not at a time the rules wanted: said here, or only the database knew.
    for line in report.needs_a_look:
        console.print(labelled("needs a look (booked at a compromise time):", "yellow", line))
    if report.busy:
        err_console.print(labelled(
            "left to another worker:", "yellow", f"{len(report.busy)} pair(s) another "
            "running onetoone holds right now (they are picked up by the next run if it "
            "stops): " + ", ".join(report.busy[:10]) + (" …" if len(report.busy) > 10 else "")))


def print_meetings(result: Any) -> bool:
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
                      f"{len(absences.skipped)} skipped (a long absence, or both away)")
        for line in absences.moved:
            console.print(labelled("moved:", "cyan", line))
    for line in a.not_private:
        err_console.print(labelled("no agenda (the invite has attendees besides the pair, "
                                   "so the pair's notes stay out of it):", "yellow", line))
    if rebook is not None and (rebook.offered or rebook.booked or rebook.reoffered):
        console.print(f"missed meetings: {len(rebook.offered)} rebooking offers sent, "
                      f"{len(rebook.reoffered)} sent again, {len(rebook.booked)} booked")
    topics = result.topics
    if topics is not None and (topics.added or topics.comments or topics.private_notes
                               or topics.ignored):
        console.print(f"service mailbox: {len(topics.added)} mails with topics, "
                      f"{len(topics.comments)} summary replies kept, "
                      f"{len(topics.private_notes)} private notes, "
                      f"{len(topics.ignored)} ignored (see the log for why)")
    failed = (result.occurrences.failed if result.occurrences else []) + a.failed + c.failed
    failed += m.failed
    failed += (absences.failed if absences else []) + (rebook.failed if rebook else [])
    failed += result.topics.failed if result.topics else []
    failed += [f"step {line} (the later steps still ran; see the log)"
               for line in result.failed_steps]
    for line in failed:
        err_console.print(labelled("failed:", "red", line))
    for line in result.held:
        err_console.print(labelled("held:", "yellow", line))
    # (Series the manager deleted are listed with the schedule's lines: print_schedule.)
    for line in result.occurrences.retimed if result.occurrences else []:
        console.print(plain("series re-timed in Outlook by the manager (followed): " + line))
    for line in result.occurrences.cut if result.occurrences else []:
        console.print(plain("series cut short in Outlook by the manager (its meetings after "
                            "the new end withdrawn; not extended): " + line))
    for line in result.occurrences.unfollowable if result.occurrences else []:
        err_console.print(labelled(
            "series changed in Outlook to a pattern onetoone cannot book (weekly, fortnightly "
            "or monthly on one day are; its meetings are followed one by one, agendas may "
            "come late):", "yellow", line))
    for key in m.unconfirmed:
        err_console.print(Text(f"unconfirmed mail {for_one_line(key)}: see `onetoone status`",
                               "yellow"))
    return bool(failed)

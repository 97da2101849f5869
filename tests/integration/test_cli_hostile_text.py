"""Names, actions and Graph's words are outside text, and every command shows them as text:
no control or bidi character reaches the terminal (an ESC starts an escape sequence that can
clear the screen or plant a hyperlink; U+009B is one on its own; a right-to-left mark lays
the rest of the line out backwards), a line break in a name neither splits a table row nor
starts a line that reads as the program's, and rich markup or an emoji code in a name is
shown as written (``[bold]``, ``:thumbs_up:``, a backslash at its end), never interpreted.

The directory's names reach the store through Graph's cleaning (`clean_text`: no C0
controls, no bidi overrides), which leaves line breaks, tabs, C1 controls, marks, zero-width
characters and markup; the store may hold anything (an older version's rows), so one test
writes names with ESC sequences into it directly."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select, update

from service.cli import cli
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.models import OutboxRow, PairingRow, PersonRow, SeriesRow
from tests.cli_env import cli_clock, cli_env

NOW = "2026-11-23T09:00:00Z"
MIA, ROB, NIA, ALI = ("mia@contoso.example", "rob@contoso.example", "nia@contoso.example",
                      "ali@contoso.example")
# As the directory holds them: markup, an emoji code and a right-to-left mark; a newline,
# a tab, NEL and a C1 CSI ("clear the screen"), and a backslash at the end; a hyperlink in
# rich's markup; a 256-character name (the most Entra allows).
NAMES = {MIA: "Mia [bold]Boss[/bold] :thumbs_up:\u200f",
         ROB: "Rob\nReport\t\u0085\u009b2J\\",
         NIA: "[link=https://e.example]Nia[/link]",
         ALI: "Ali " + "Amin" * 63}
# As the commands must show them: on one line, every character as written.
SHOWN = {MIA: "Mia [bold]Boss[/bold] :thumbs_up:", ROB: "Rob Report 2J\\",
         NIA: "[link=https://e.example]Nia[/link]"}


def raw(output: str) -> list[str]:
    """The characters of ``output`` a terminal would act on rather than show (line feeds
    apart: the commands' own line breaks), or that break a line."""
    return [f"U+{ord(c):04X}" for c in output if c != "\n" and (
        unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs")
        or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d"))]


def shown_as_written(output: str, *names: str) -> None:
    """No raw character, no emoji made of a code, no backslash doubled, each of ``names``
    (emails) on one line with its markup as written."""
    assert raw(output) == [], (raw(output), output)
    assert "👍" not in output and "Report 2J\\\\" not in output, output
    for email in names:
        assert SHOWN[email] in output, (SHOWN[email], output)


@pytest.fixture
def run(db_url: str, settings_for, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Mia manages Rob and Ali, Nia manages nobody yet, all with hostile names, scheduled as
    of ``NOW`` in ``db_url``; returns a way to run the CLI (and the booking run's output)."""
    settings = settings_for(db_url)  # upgrades a PostgreSQL database, as an admin would
    cli_env(monkeypatch, tmp_path, 220)
    cli_clock(monkeypatch, "2026-12-05T12:00:00Z")
    monkeypatch.setenv("ONETOONE_DATABASE_URL", db_url)
    monkeypatch.setenv("ONETOONE_MICROSOFT_SANDBOX_STATE", str(settings.microsoft.sandbox_state))
    tenant = SandboxTenant(seed="hostile-text", domain="contoso.example")
    for email in (MIA, NIA):
        tenant.add_user(NAMES[email], email, hire_date=date(2020, 1, 1))
    for email in (ROB, ALI):
        tenant.add_user(NAMES[email], email, manager=MIA, hire_date=date(2021, 1, 1))
    tenant.save(settings.microsoft.sandbox_state)

    def invoke(*args: str, input: str | None = None, exit_code: int = 0) -> str:
        result = CliRunner().invoke(cli, list(args), input=input)
        assert result.exit_code == exit_code, result.output
        return result.output

    invoke.booked = invoke("tick", "--now", NOW)  # type: ignore[attr-defined]
    invoke.engine = make_engine(db_url)  # type: ignore[attr-defined]
    invoke.tenant = settings.microsoft.sandbox_state  # type: ignore[attr-defined]
    yield invoke
    invoke.engine.dispose()  # type: ignore[attr-defined]


def _unreadable(engine) -> None:
    """Every series' calendar unreadable since the booking (as the worker records it when
    the manager's mailbox is blocked), so `status` writes its lines under the table."""
    with engine.begin() as db:
        db.execute(update(SeriesRow).values(
            listing_failed_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC)))


def test_the_booking_run_shows_names_as_written(run) -> None:
    """`tick`'s table of the series it created names each pair."""
    assert "Series created" in run.booked
    shown_as_written(run.booked, MIA, ROB)
    assert f"{SHOWN[MIA]} & {SHOWN[ROB]}" in run.booked, run.booked


def test_status_lines_under_the_table_keep_each_name_on_its_line(run) -> None:
    """The pair's line under `status`'s table names both people: cleaned, on one line, as
    written; a 256-character name (the most Entra allows) is cut as in the table."""
    _unreadable(run.engine)
    shown = run("status", "--now", "2026-11-23T12:00:00Z")
    shown_as_written(shown, MIA, ROB)
    lines = shown.splitlines()
    assert f"{SHOWN[MIA]} & {SHOWN[ROB]} <{ROB}>:" in lines, shown
    ali = next(line for line in lines if line.endswith(f"<{ALI}>:"))
    assert ali.startswith(f"{SHOWN[MIA]} & Ali AminAmin") and len(ali) < 100, ali


def test_status_lines_show_no_escape_sequence_the_store_holds(run) -> None:
    """Names stored with ESC sequences (clear the screen, an OSC 8 hyperlink) and a bidi
    override are shown without them, on one line."""
    with run.engine.begin() as db:
        db.execute(update(PersonRow).where(PersonRow.email == MIA).values(
            name="Mia\x1b[2J \x1b]8;;https://evil.example\x1b\\Boss\x1b]8;;\x1b\\"))
        db.execute(update(PersonRow).where(PersonRow.email == ROB).values(
            name="\u202eRob\u2066 Report\u2069"))
    _unreadable(run.engine)
    shown = run("status", "--now", "2026-11-23T12:00:00Z")
    assert raw(shown) == [], (raw(shown), shown)
    header = next(line for line in shown.splitlines() if line.endswith(f"<{ROB}>:"))
    assert header.startswith("Mia [2J ]8;;https://evil.example \\Boss"), header
    assert header.endswith(f" & Rob Report <{ROB}>:"), header


def test_actions_table_shows_names_and_actions_as_written(run) -> None:
    """`actions` lists the pair, owner and action as cells: a tab or NEL in the action and a
    newline in a name don't split the row; markup and emoji codes stay as typed."""
    run("notes", "add", ROB,
        input="Good chat.\nAction: Rob: book the [bold]course[/bold] :tada:\t\u0085\u009b31mnow"
              " by 4 Dec\\\n")
    listing = run("actions", "--open")
    assert raw(listing) == [], (raw(listing), listing)
    assert f"{SHOWN[MIA]} & {SHOWN[ROB]}" in listing, listing
    assert "book the [bold]course[/bold] :tada:" in listing, listing
    assert "🎉" not in listing and "👍" not in listing, listing


def test_pairs_why_column_shows_names_as_written(run) -> None:
    """Rob moved to Nia in the directory: `pairs` says why, naming the three of them."""
    tenant = SandboxTenant.load(run.tenant)
    tenant.set_manager(ROB, NIA)
    tenant.save(run.tenant)
    listed = run("pairs", "--now", "2026-11-24T09:00:00Z")
    assert raw(listed) == [], (raw(listed), listed)
    assert "👍" not in listed and ":thumbs_up:" in listed, listed
    assert "moved from" in listed and SHOWN[NIA] in listed, listed


def test_an_error_naming_the_pair_shows_the_names_as_written(run) -> None:
    """An error message (here: no meeting on that day) names the pair on one line."""
    said = run("notes", "add", ROB, "--date", "2020-01-06", input="x\n", exit_code=1)
    assert raw(said) == [], (raw(said), said)
    assert f"No meeting of {SHOWN[MIA]} & {SHOWN[ROB]} on 2020-01-06." in said, said
    assert "👍" not in said


def test_doctor_quotes_a_pairs_file_line_as_written(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`doctor` quotes a refused pairs file's cell: its markup and emoji code as written,
    its C1 control not raw, each problem still on its own line."""
    cli_env(monkeypatch, tmp_path, 220)
    monkeypatch.setenv("ONETOONE_PAIRS_SOURCE", "file")
    monkeypatch.setenv("ONETOONE_PAIRS_FILE", "pairs.csv")
    (tmp_path / "pairs.csv").write_text(
        "manager,report\nmia@contoso.example,[bold]rob\u009b2J@contoso.example :thumbs_up:\n"
        "\u202ebad line\\\n", encoding="utf-8")
    said = CliRunner().invoke(cli, ["doctor"]).output
    assert raw(said) == [], (raw(said), said)
    assert "'[bold]rob\\x9b2j@contoso.example :thumbs_up:'" in said and "👍" not in said, said
    assert "\npairs.csv:3: not a pair row" in said, said


def test_failed_mail_in_the_mail_table_and_status_shows_subject_and_error_as_written(
        run) -> None:
    """A summary whose sending failed: its subject names the pair and its error is what
    Graph said; `mail` shows both as cells and `status` as one line, as written."""
    with run.engine.begin() as db:
        pairing = db.scalar(select(PairingRow.id).where(PairingRow.report_id == select(
            PersonRow.id).where(PersonRow.email == ROB).scalar_subquery()))
        mia = db.scalar(select(PersonRow.id).where(PersonRow.email == MIA))
        db.execute(insert(OutboxRow).values(
            key="1:summary", kind="summary", pairing_id=pairing, mailbox=mia,
            recipients=json.dumps([{"name": NAMES[ROB], "address": ROB}]),
            subject=f"Your 1-2-1 with {NAMES[MIA]}", body_html="<p/>",
            tag="t-1", status="failed", attempts=1,
            last_error="ErrorSendAsDenied:\n\x1b[31m[red]denied[/red]\u009b :boom:",
            created_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC)))
    listed = run("mail")
    assert raw(listed) == [], (raw(listed), listed)
    assert f"Your 1-2-1 with {SHOWN[MIA]}" in listed and "👍" not in listed, listed
    assert SHOWN[ROB] in listed, listed
    assert "[red]denied[/red]" in listed and ":boom:" in listed, listed
    shown = run("status", "--now", "2026-11-23T12:00:00Z")
    assert raw(shown) == [], (raw(shown), shown)
    line = next(line for line in shown.splitlines() if line.startswith("mail #"))
    assert line.startswith(f"mail #1 failed: summary for {SHOWN[ROB]} (1:summary) — "
                           "ErrorSendAsDenied: [31m[red]denied[/red] :boom:"), line


def test_notes_for_a_meeting_still_to_come_say_so(run) -> None:
    """A date after today is not "no meeting" (`status` may list one on it, worked out of
    the series before it is stored): notes are added to a meeting held."""
    said = run("notes", "add", ROB, "--date", "2030-01-07", input="x\n", exit_code=1)
    assert "2030-01-07 is still to come: notes are added to a meeting held." in " ".join(
        said.split()), said
    assert "No meeting of" not in said

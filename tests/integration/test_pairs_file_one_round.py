"""An admin fixing a pairs file runs a command, reads its messages, fixes the file and runs
again. Every problem the file has is told in that one run, each with its file:line and what
to do: the addresses the directory does not know among them (looked up in the same batched
requests as the rest), not only on the run after the file's other problems are fixed;
and, for an address pasted from Outlook (``mailto:``, ``Name <address>``), the address to
write. `onetoone doctor` checks the addresses too: its pairs file line passed a file naming
nobody in the directory.

The command line as an admin runs it, against the sandbox tenant."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.cli import cli
from service.config import load_config
from service.doctor import run_checks
from service.sandbox import SandboxTenant
from tests.cli_env import cli_env

NOW = "2026-11-23T08:00:00Z"
MIA, ROB, MAX, ZED, UNA = (f"{n}@contoso.example" for n in ("mia", "rob", "max", "zed", "una"))


def _org() -> SandboxTenant:
    t = SandboxTenant(seed="pairs-file-one-round")
    t.add_user("Ceo Boss", "ceo@contoso.example", hire_date=date(2015, 1, 1))
    mia = t.add_user("Mia Manager", MIA, manager="ceo@contoso.example",
                     hire_date=date(2020, 1, 1))
    t.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 3, 1))
    max_ = t.add_user("Max Lead", MAX, manager=mia, hire_date=date(2019, 1, 1))
    t.add_user("Zed Junior", ZED, manager=max_, hire_date=date(2023, 1, 1))
    t.add_user("Una Other", UNA, hire_date=date(2018, 1, 1))
    t.add_user("Lee Leaver", "lee@contoso.example", manager=mia, enabled=False)
    return t


@pytest.fixture
def pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/pairs.csv, the only source, over the sandbox tenant above (no database: the
    commands here change nothing)."""
    (tmp_path / "onetoone.toml").write_text(
        '[pairs]\nsource = "file"\nfile = "pairs.csv"\n'
        '[microsoft]\nsandbox_state = "sandbox.json"\n', encoding="utf-8")
    _org().save(tmp_path / "sandbox.json")
    cli_env(monkeypatch, tmp_path, 400)
    return tmp_path / "pairs.csv"


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _said(result: Result) -> str:
    return " ".join(result.output.split())  # (as wrapped to the terminal's width)


def test_structural_problems_and_unknown_addresses_are_told_together(pairs: Path) -> None:
    """Duplicate rows, a self-manager, a cycle and addresses nobody in the directory has,
    one of them on a line refused for another reason too: all said in the first run."""
    pairs.write_text("manager,report\n"
                     f"{MIA},{ROB}\n"
                     f"{MIA},{ROB}\n"                      # 3: the same pair again
                     f"{UNA},{UNA}\n"                      # 4: their own manager
                     f"{MAX},{ZED}\n"                      # 5: a cycle over 5 and 6
                     f"{ZED},{MAX}\n"
                     f"{MIA},ann.typo@contoso.example\n"   # 7: nobody in the directory
                     "bob.typo@contoso.example,bob.typo@contoso.example\n",  # 8: both
                     encoding="utf-8")
    for args in (("pairs", "--now", NOW), ("schedule", "--dry-run", "--now", NOW)):
        said = _said(_run(*args))
        expected = [f"{pairs}:3: the pair {MIA} -> {ROB} is already on line 2",
                    f"{pairs}:4: {UNA} is paired with themself",
                    f"{pairs}:5: management cycle over lines 5, 6",
                    f"{pairs}:7: ann.typo@contoso.example is not a user in the directory",
                    f"{pairs}:8: bob.typo@contoso.example is paired with themself",
                    f"{pairs}:8: bob.typo@contoso.example is not a user in the directory"]
        positions = [said.find(text) for text in expected]
        assert -1 not in positions, (args, expected[positions.index(-1)], said)
        assert positions == sorted(positions), said  # in file order
        assert said.count("bob.typo@contoso.example is not a user") == 1, said


def test_an_address_pasted_from_outlook_is_told_what_to_write(pairs: Path) -> None:
    """A ``mailto:`` link or a ``Name <address>`` cell: the line, and the address alone."""
    pairs.write_text("manager,report\n"
                     f"{MIA},mailto:Rob@contoso.example\n"
                     f'Mia Manager <{MIA}>,{ZED}\n'
                     f'"Boss, Ceo <ceo@contoso.example>",{MAX}\n'
                     f"{MIA},<{UNA}>\n", encoding="utf-8")
    said = _said(_run("schedule", "--dry-run", "--now", NOW))
    assert (f"{pairs}:2: report email 'mailto:Rob@contoso.example' is a mailto: link, not "
            "an address. Write only the address: Rob@contoso.example.") in said, said
    assert (f"{pairs}:3: manager email 'Mia Manager <{MIA}>' is a name with an address (as "
            f"Outlook copies it). Write only the address: {MIA}.") in said, said
    assert (f"{pairs}:4: manager email 'Boss, Ceo <ceo@contoso.example>' is a name with an "
            "address (as Outlook copies it). Write only the address: "
            "ceo@contoso.example.") in said, said
    assert f"{pairs}:5: report email '<{UNA}>' is" in said and \
        f"Write only the address: {UNA}." in said, said
    assert "not a user in the directory" not in said and "not a valid email" not in said


def test_doctor_checks_the_addresses_of_the_pairs_file(pairs: Path) -> None:
    pairs.write_text(f"manager,report\n{MIA},{ROB}\n{MIA},nobody@contoso.example\n",
                     encoding="utf-8")
    line = next(x for x in _run("doctor").output.splitlines() if "pairs file:" in x)
    assert line.startswith("✗ pairs file: "), line
    assert f"{pairs}:3: nobody@contoso.example is not a user in the directory" in line

    pairs.write_text(f"manager,report\n{MIA},{ROB}\n", encoding="utf-8")
    line = next(x for x in _run("doctor").output.splitlines() if "pairs file:" in x)
    # (No database yet: nothing scheduled a run could end, and no directory read for it.)
    assert line == f"✓ pairs file: {pairs}: 1 pair, every address a user in the directory"

    # A leaver's line is no problem of the file (each run skips it), but it is said.
    pairs.write_text(f"manager,report\n{MIA},{ROB}\n{MIA},lee@contoso.example\n",
                     encoding="utf-8")
    line = next(x for x in _run("doctor").output.splitlines() if "pairs file:" in x)
    assert line == (f"✓ pairs file: {pairs}: 2 pairs, every address a user in the directory; "
                    "each run skips line 3, naming a disabled account (a leaver: remove the "
                    "line)"), line


def test_doctor_refuses_a_file_that_closes_a_loop_with_the_directory(
        pairs: Path) -> None:
    """With both sources, a line on which Zed manages his own manager is good on its own,
    but every run refuses it: doctor says so, as a run would, not ✓."""
    config = pairs.parent / "onetoone.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'source = "file"', 'source = "both"'), encoding="utf-8")
    pairs.write_text(f"manager,report\n{ZED},{MAX}\n", encoding="utf-8")
    result = _run("doctor")
    line = next(x for x in result.output.splitlines() if "pairs file:" in x)
    assert line.startswith(f"✗ pairs file: {pairs}:2: management cycle"), line
    assert result.exit_code == 1
    ran = _said(_run("tick", "--now", NOW))
    assert f"{pairs}:2: management cycle" in ran, ran
    assert "pairs: not synced (failed: see below)" in ran and "pairs: none" not in ran, ran


def test_doctor_refuses_a_file_that_would_end_most_pairs_at_once(pairs: Path) -> None:
    """Four pairs scheduled, then the file cut to its first pair: every run refuses the
    sync ([pairs] max_ends: at most half of four), and doctor says so before one runs."""
    pairs.write_text(f"manager,report\n{MIA},{ROB}\n{MIA},{MAX}\n{MAX},{ZED}\n"
                     f"ceo@contoso.example,{MIA}\n", encoding="utf-8")
    assert _run("schedule", "--now", NOW).exit_code == 0
    line = next(x for x in _run("doctor").output.splitlines() if "pairs file:" in x)
    assert line.endswith("; the next sync would start 0 pairs and end 0 (`onetoone pairs` "
                         "lists them)"), line  # (the database there: worked out)
    sandbox = (pairs.parent / "sandbox.json").read_bytes()
    pairs.write_text(f"manager,report\n{MIA},{ROB}\n", encoding="utf-8")
    result = _run("doctor")
    said = _said(result)
    assert (pairs.parent / "sandbox.json").read_bytes() == sandbox  # doctor changed nothing
    assert f"✗ pairs file: {pairs}: this sync would end 3 of the 4 pairs now scheduled" in said
    assert "onetoone schedule --allow-ends N" in said and result.exit_code == 1
    assert "would end 3 of the 4" in _said(_run("tick", "--now", NOW))


def test_doctor_says_when_the_addresses_could_not_be_checked(
        pairs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The look-up refused (the batch that asks for the users): the file still parses, and
    the line says its addresses were not checked, and why, rather than passing them."""
    pairs.write_text(f"manager,report\n{MIA},nobody@contoso.example\n", encoding="utf-8")
    tenant = SandboxTenant.load(pairs.parent / "sandbox.json")
    tenant.inject_fault("POST", r"^/\$batch$", 403, times=10)
    monkeypatch.setattr("service.doctor._sandbox", lambda _settings, _now: tenant)
    settings = load_config(None)  # (the onetoone.toml in the working folder)
    check = next(c for c in asyncio.run(run_checks(settings)) if c.name == "pairs file")
    assert check.detail.startswith(f"{pairs}: 1 pair; its addresses were not checked "
                                   "against the directory (the look-up failed: "), check


def test_doctor_passes_a_file_that_lists_no_pairs_on_purpose(pairs: Path) -> None:
    """Signed in, a file that says it lists no pairs has no address to look up: its line
    says so plainly, not that sign-in failed."""
    pairs.write_text("manager,report\n# no pairs\n", encoding="utf-8")
    output = _run("doctor").output
    line = next(x for x in output.splitlines() if "pairs file:" in x)
    assert line == f"✓ pairs file: {pairs}: 0 pairs", line
    assert "✓ sign-in" in output, output


def test_a_name_split_by_its_own_comma_is_told_what_to_write(pairs: Path) -> None:
    """``Boss, Ceo <ceo@...>`` not in quotes reads as two cells: the line was refused for a
    name that is "not a valid email address", the rest of the name taken for the report
    and the report's address for a cadence (or for too many columns). It is told as the
    one mistake it is, at its line, with the address to write."""
    pairs.write_text("manager,report\n"
                     f"Boss, Ceo <ceo@contoso.example>,{MAX}\n"
                     f"{MIA},Report, Rob <rob@contoso.example>,weekly,30\n", encoding="utf-8")
    said = _said(_run("schedule", "--dry-run", "--now", NOW))
    assert (f"{pairs}:2: manager email 'Boss, Ceo <ceo@contoso.example>' is a name with an "
            "address (as Outlook copies it), and its comma, not in quotes, split it across "
            "columns. Write only the address: ceo@contoso.example.") in said, said
    assert (f"{pairs}:3: report email 'Report, Rob <rob@contoso.example>' is a name with an "
            "address (as Outlook copies it), and its comma, not in quotes, split it across "
            "columns. Write only the address: rob@contoso.example.") in said, said
    assert "columns in" not in said and "cadence" not in said, said
    assert "not a valid email" not in said, said


def test_a_file_of_broken_lines_is_refused_without_looking_anyone_up(
        pairs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose lines' own problems fill the refusal (a wrong file, a mangled export) had
    every address it names looked up in the directory first, a request each (two for one
    nobody has), for a message with no room left to tell what they found. It is refused
    for its lines with no look-up, and says its addresses are checked once they are fixed."""
    pairs.write_text("manager,report\n" + "".join(
        f"mgr{i}@contoso.example,rep{i}@contoso.example,sometimes\n" for i in range(30)),
        encoding="utf-8")
    tenant = SandboxTenant.load(pairs.parent / "sandbox.json")
    monkeypatch.setattr("service.doctor._sandbox", lambda _settings, _now: tenant)
    for args in (("pairs", "--now", NOW), ("schedule", "--dry-run", "--now", NOW),
                 ("doctor",)):
        tenant.reset_counters()
        result = _run(*args)
        said = _said(result)
        assert result.exit_code == 1, said
        assert tenant.count(path_regex=r"(mgr|rep)\d+") == 0, (args, tenant.requests)
        assert f"{pairs}:2: cadence 'sometimes' is not one of" in said, said
        assert (f"{pairs}: 30 problems in its lines, so its addresses were not looked up in "
                "the directory yet.") in said, said
        assert "not a user in the directory" not in said, said

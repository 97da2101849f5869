"""People outside the holiday country: with `[holidays]` left at GB-ENG, staff whose mailboxes
are in Honolulu, Kolkata and Sydney had their 1-2-1s moved off England's bank holidays and
not off their own, and nothing said so. `onetoone doctor` warns (without failing) with the
zones, from the time zones the store holds, and stops once an override covers them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import cli
from service.sandbox import SandboxTenant
from tests.cli_env import cli_env

NOW = "2026-11-23T09:00:00Z"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    cli_env(monkeypatch, tmp_path, 400)
    tenant = SandboxTenant(seed="holiday-zones", domain="contoso.example")
    tenant.add_user("Mia Manager", "mia@contoso.example", hire_date=date(2020, 1, 1))
    tenant.add_user("Rob London", "rob@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2021, 1, 1))
    tenant.add_user("Kai Honolulu", "kai@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2021, 1, 1), time_zone="Hawaiian Standard Time")
    for i, name in enumerate(("Asha", "Dev", "Ira")):
        tenant.add_user(f"{name} Kolkata", f"{name.lower()}@contoso.example",
                        manager="mia@contoso.example", hire_date=date(2021, 1, i + 1),
                        time_zone="India Standard Time", groups=["India office"])
    tenant.add_user("Sol Sydney", "sol@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2021, 1, 1), time_zone="AUS Eastern Standard Time")
    tenant.add_user("Ola Utc", "ola@contoso.example", manager="mia@contoso.example",
                    hire_date=date(2021, 1, 1), time_zone="UTC")
    tenant.save(tmp_path / "onetoone-sandbox.json")
    return CliRunner()


def _india(folder: Path) -> str:
    return SandboxTenant.load(folder / "onetoone-sandbox.json").add_group("India office")["id"]


def _line(output: str, name: str) -> str:
    return next((line for line in output.splitlines() if f" {name}: " in line), "")


def test_doctor_warns_of_people_whose_zone_is_outside_the_holiday_country(
        runner: CliRunner, tmp_path: Path) -> None:
    ticked = runner.invoke(cli, ["tick", "--now", NOW])
    assert ticked.exit_code == 0, ticked.output
    checked = runner.invoke(cli, ["doctor"])
    assert checked.exit_code == 0, checked.output  # a warning, not a failure
    line = _line(checked.output, "holidays")
    assert line.startswith("! holidays: 5 people's mailboxes are in time zones outside GB "
                           "(Asia/Kolkata: 3, Australia/Sydney: 1, Pacific/Honolulu: 1) and "
                           "get GB-ENG's holidays"), checked.output
    fix = checked.output.splitlines()[checked.output.splitlines().index(line) + 1]
    assert "[holidays.groups] or [holidays.people]" in fix
    assert "docs/how-it-decides.md#absences-and-public-holidays" in fix

    # Those in a [holidays.groups] group get its holidays: doctor reads its members.
    (tmp_path / "onetoone.toml").write_text(
        f'[holidays.groups]\n"{_india(tmp_path)}" = "IN"\n', encoding="utf-8")
    checked = runner.invoke(cli, ["doctor"])
    assert checked.exit_code == 0, checked.output
    line = _line(checked.output, "holidays")
    assert line.startswith("! holidays: 2 people's mailboxes are in time zones outside GB "
                           "(Australia/Sydney: 1, Pacific/Honolulu: 1) and get GB-ENG's "
                           "holidays"), checked.output

    # Overrides for some: the rest are still said, and an override in the wrong country too.
    (tmp_path / "onetoone.toml").write_text(
        '[holidays.people]\n"asha@contoso.example" = "IN"\n"dev@contoso.example" = "IN"\n'
        '"ira@contoso.example" = "IN"\n"sol@contoso.example" = "AU-NSW"\n'
        '"kai@contoso.example" = "US-NY"\n"rob@contoso.example" = "US"\n', encoding="utf-8")
    checked = runner.invoke(cli, ["doctor"])
    assert checked.exit_code == 0, checked.output
    line = _line(checked.output, "holidays")
    assert re.fullmatch(r"! holidays: 1 person's mailbox is in a time zone outside US "
                        r"\(Europe/London: 1\) and gets US's holidays", line.strip()), line

    (tmp_path / "onetoone.toml").write_text(
        (tmp_path / "onetoone.toml").read_text(encoding="utf-8").replace(
            '"rob@contoso.example" = "US"\n', ""), encoding="utf-8")
    checked = runner.invoke(cli, ["doctor"])
    assert checked.exit_code == 0, checked.output
    assert _line(checked.output, "holidays").startswith("✓ holidays: 8 people paired"), (
        checked.output)


def test_doctor_says_nothing_of_holidays_before_any_pair_is_booked(runner: CliRunner) -> None:
    checked = runner.invoke(cli, ["doctor"])
    assert _line(checked.output, "holidays") == "", checked.output


def test_status_warns_too_and_says_when_groups_may_hold_them(
        runner: CliRunner, tmp_path: Path) -> None:
    ticked = runner.invoke(cli, ["tick", "--now", NOW])
    assert ticked.exit_code == 0, ticked.output
    shown = runner.invoke(cli, ["status", "--now", NOW])
    assert shown.exit_code == 0, shown.output
    warnings = [line for line in shown.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: 5 people's mailboxes are in time zones outside GB (Asia/Kolkata: 3, "
        "Australia/Sydney: 1, Pacific/Honolulu: 1) and get GB-ENG's holidays. Set "
        "[holidays.groups] or [holidays.people] for them "
        "(docs/how-it-decides.md#absences-and-public-holidays)"], shown.output

    # With [holidays.groups] set, status cannot tell who is in them (doctor can).
    india = _india(tmp_path)
    (tmp_path / "onetoone.toml").write_text(f'[holidays.groups]\n"{india}" = "IN"\n',
                                            encoding="utf-8")
    shown = runner.invoke(cli, ["status", "--now", NOW])
    assert "(unless a [holidays.groups] group holds them: status reads no group, " \
           "`onetoone doctor` does)" in shown.output, shown.output


def test_the_sandboxs_own_organisation_is_configured_as_an_admin_would(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no tenant, the sandbox starts as the demo organisation, whose
    New York office got England's holidays: a newcomer's first doctor (and status) after a
    run warned of the product's own example. Its New York staff get New York's holidays."""
    cli_env(monkeypatch, tmp_path, 400)
    runner = CliRunner()
    ticked = runner.invoke(cli, ["tick", "--now", NOW])
    assert ticked.exit_code == 0, ticked.output
    checked = runner.invoke(cli, ["doctor"])
    assert checked.exit_code == 0, checked.output
    line = _line(checked.output, "holidays")
    assert line.startswith("✓ holidays: 11 people paired, each mailbox's time zone in the "
                           "country whose holidays they get"), checked.output
    shown = runner.invoke(cli, ["status", "--now", NOW])
    assert shown.exit_code == 0 and "outside GB" not in shown.output, shown.output
    config = " ".join(runner.invoke(cli, ["config"]).output.split())
    assert "marcus.johnson@contoso.example" in config and "US-NY" in config, config


def test_a_country_written_as_the_library_also_knows_it_is_its_iso_code(
        runner: CliRunner, tmp_path: Path) -> None:
    """"UK", "GBR", "USA", "IND", "AUS" (names the holidays library takes for a country, with
    their regions) are taken as GB, US, IN and AU. They were kept as written: the holidays
    were right, but a mailbox's zone is matched to the country by its ISO code, so doctor
    and status said everyone on Europe/London was "outside UK" and told the admin to give
    each of them an override."""
    ticked = runner.invoke(cli, ["tick", "--now", NOW])
    assert ticked.exit_code == 0, ticked.output
    (tmp_path / "onetoone.toml").write_text(
        f'[holidays]\ncountry = "UK"\nsubdivision = "ENG"\n'
        f'[holidays.groups]\n"{_india(tmp_path)}" = "IND"\n'
        '[holidays.people]\n"sol@contoso.example" = "aus-nsw"\n'
        '"kai@contoso.example" = "USA-HI"\n"mia@contoso.example" = "GBR-SCT"\n',
        encoding="utf-8")
    checked = runner.invoke(cli, ["doctor"])
    assert checked.exit_code == 0, checked.output
    assert _line(checked.output, "holidays").startswith("✓ holidays: 8 people paired"), (
        checked.output)
    shown = runner.invoke(cli, ["status", "--now", NOW])
    warnings = [line for line in shown.output.splitlines() if line.startswith("warning:")]
    # (status reads no group: the India office, in theirs, is still named)
    assert shown.exit_code == 0 and len(warnings) == 1, shown.output
    assert warnings[0].startswith("warning: 3 people's mailboxes are in time zones outside "
                                  "GB (Asia/Kolkata: 3) and get GB-ENG's holidays"), warnings
    config = runner.invoke(cli, ["config"])
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in config.output.splitlines() if line.count("│") >= 3}
    assert rows["holidays.country"] == "GB" and rows["holidays.subdivision"] == "ENG", rows
    assert rows["holidays.people"] == ("sol@contoso.example=AU-NSW, kai@contoso.example=US-HI, "
                                       "mia@contoso.example=GB-SCT"), rows
    assert rows["holidays.groups"].endswith("=IN"), rows

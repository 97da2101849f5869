"""`onetoone doctor` checks the organisation's own templates (`[agenda] templates`): a
question bank that is not valid TOML, or an agenda template Jinja cannot parse, failed every
run's agenda step while doctor said all was well."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from service.doctor import Check, run_checks
from tests.conftest import make_settings


def _checks(tmp_path: Path, folder: Path | None) -> dict[str, Check]:
    base = make_settings(tmp_path, f"sqlite:///{tmp_path / 'doctor.db'}")
    settings = dataclasses.replace(
        base, agenda=dataclasses.replace(base.agenda, templates=folder))
    return {c.name: c for c in asyncio.run(run_checks(settings))}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "own").mkdir()
    return tmp_path / "own"


def test_a_bank_that_is_not_toml_fails_the_templates_line(tmp_path: Path,
                                                          folder: Path) -> None:
    (folder / "questions.toml").write_text("[[question]\nid = 'a'\n", encoding="utf-8")
    check = _checks(tmp_path, folder)["templates"]
    assert not check.ok
    assert f"{folder / 'questions.toml'}: not valid TOML" in check.detail
    assert "[agenda] templates" in check.fix


def test_an_agenda_jinja_cannot_parse_fails_naming_file_and_line(tmp_path: Path,
                                                                folder: Path) -> None:
    (folder / "agenda.html.j2").write_text("{{ markers.start }}\n{% if x %}\n",
                                           encoding="utf-8")
    check = _checks(tmp_path, folder)["templates"]
    assert not check.ok
    assert str(folder / "agenda.html.j2") in check.detail
    assert "TemplateSyntaxError" in check.detail and "line " in check.detail
    assert "onetoone preview" in check.fix


def test_good_own_templates_pass_and_none_set_means_no_line(tmp_path: Path,
                                                            folder: Path) -> None:
    builtin = Path(__file__).parents[2] / "templates"
    (folder / "questions.toml").write_bytes((builtin / "questions.toml").read_bytes())
    (folder / "agenda.html.j2").write_bytes((builtin / "agenda.html.j2").read_bytes())
    check = _checks(tmp_path, folder)["templates"]
    assert check.ok, check.detail
    assert str(folder) in check.detail
    assert "templates" not in _checks(tmp_path, None)

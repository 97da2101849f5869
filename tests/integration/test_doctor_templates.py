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


def _refused(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Reading ``path`` fails as for a file only another user may read (the suite may run as
    root, who reads anything)."""
    import builtins
    import io

    real = io.open

    def guarded(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(path))
        return real(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", guarded)
    monkeypatch.setattr(builtins, "open", guarded)


@pytest.mark.parametrize("name", ["questions.toml", "agenda.html.j2"])
def test_an_unreadable_template_fails_the_line_naming_it(tmp_path: Path, folder: Path,
                                                         name: str, monkeypatch) -> None:
    """A file copied as root with a strict umask, or mounted for another user: doctor said
    so in a traceback, and every run's agenda step failed with a bare PermissionError."""
    builtin = Path(__file__).parents[2] / "templates"
    (folder / name).write_bytes((builtin / name).read_bytes())
    _refused(monkeypatch, folder / name)
    check = _checks(tmp_path, folder)["templates"]
    assert not check.ok
    assert f"{folder / name}: cannot be read (Permission denied)" in check.detail
    assert "readable by the user onetoone runs as" in check.detail


def test_an_unreadable_agenda_is_named_when_an_agenda_is_rendered(folder: Path,
                                                                  monkeypatch) -> None:
    from service.errors import ConfigError
    from service.render import render

    (folder / "agenda.html.j2").write_text("x", encoding="utf-8")
    _refused(monkeypatch, folder / "agenda.html.j2")
    with pytest.raises(ConfigError, match=r"agenda\.html\.j2: cannot be read"):
        render("agenda.html.j2", str(folder))

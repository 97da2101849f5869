"""The files report, evidence and preview write hold personal data, and go where the admin
says, often a folder shared with HR. A symbolic link already there under one of their names
(planted by someone else who can write to the folder, or left from another use) is not
followed: the file it points at (the admin's own ~/.bashrc, say) is neither overwritten
with the report nor made owner-only; the command says what is in the way."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from tests.integration.test_cli_paths import NOW, TOM, refused, runner, scheduled

__all__ = ["runner", "scheduled"]  # the fixtures, as test_cli_paths has them


def planted(tmp_path: Path, link: Path) -> Path:
    """A file of the admin's, and a link to it at ``link``."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(victim)
    return victim


def untouched(victim: Path) -> None:
    assert victim.read_text() == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_report_does_not_write_through_a_link(scheduled: CliRunner, tmp_path: Path) -> None:
    victim = planted(tmp_path, tmp_path / "hr" / "index.html")
    out = refused(scheduled, "report", "--now", NOW, "--out", "hr")
    assert "hr/index.html: cannot be written: it is a symbolic link" in out
    untouched(victim)


def test_evidence_and_preview_do_not_write_through_a_link(scheduled: CliRunner,
                                                          tmp_path: Path) -> None:
    victim = planted(tmp_path, tmp_path / "out" / "e.html")
    out = refused(scheduled, "evidence", TOM, "--from", "2026-11-01", "--to", "2026-12-31",
                  "--out", "out/e.html")
    assert "out/e.html: cannot be written: it is a symbolic link" in out
    (tmp_path / "out" / "p.html").symlink_to(victim)
    out = refused(scheduled, "preview", TOM, "--out", "out/p.html")
    assert "out/p.html: cannot be written: it is a symbolic link" in out
    untouched(victim)

"""The demo run again in the same folder at an earlier --now (as the install guide's own
examples do): it finishes and writes its pages, whatever the later run left in Outlook."""

from __future__ import annotations

from datetime import UTC, datetime


def test_a_demo_run_again_at_an_earlier_date_finishes(tmp_path) -> None:
    from rich.console import Console

    from service.demo import run_demo

    quiet = Console(file=None, quiet=True)
    out = tmp_path / "out"
    run_demo(out, datetime(2027, 12, 1, 8, tzinfo=UTC), quiet)
    run_demo(out, datetime(2026, 12, 3, 8, tzinfo=UTC), quiet)
    index = (out / "index.html").read_text()
    assert "Agendas and notes" in index and "agendas/" in index


def test_the_demos_log_goes_to_its_folder_not_the_screen(tmp_path, monkeypatch) -> None:
    """A newcomer's screen shows the demo's story, not bare event names on stderr; every
    event is in demo-out/demo.log, one JSON object per line."""
    import json

    from click.testing import CliRunner

    from service.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--now", "2026-12-03T08:00:00Z"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    events = [json.loads(line)["event"]
              for line in (tmp_path / "demo-out" / "demo.log").read_text().splitlines()]
    assert "schedule.created" in events or "pairs.join" in events
    # Owner-only, as every file onetoone writes about people: notes, mail, the sandbox's
    # state (a private note's mail is in it) and the log.
    written = [tmp_path / "demo-out", *(tmp_path / "demo-out").rglob("*")]
    assert len(written) > 20
    assert [str(p) for p in written if p.stat().st_mode & 0o077] == []

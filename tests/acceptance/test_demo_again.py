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

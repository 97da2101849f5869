"""The demo run again in the same folder at an earlier --now (as the install guide's own
examples do): it finishes and writes its pages, whatever the later run left in Outlook."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

# Walks shorter than the six weeks people see: nothing checked here is in the weeks' story
# (that is tests/acceptance/test_demo_pages.py's). A week is enough for the later run to
# leave meetings held, their notes read and agendas written into meetings still to come.
LATER_WALK = timedelta(weeks=1)
EARLIER_WALK = timedelta(days=1)


def test_a_demo_run_again_at_an_earlier_date_finishes(tmp_path) -> None:
    """A meeting the later run wrote an agenda into, gone from Outlook since, is listed
    without its page: the earlier run's sync never reads that far ahead, so its row still
    says the agenda is in. (The run again once ended and re-booked the series, which left
    such meetings; it keeps them now, so here a manager cancels one in Outlook between the
    runs.)"""
    import html
    import re
    from zoneinfo import ZoneInfo

    from rich.console import Console

    from service.demo import demo_settings, run_demo
    from service.domain.status import AgendaState, OccurrenceStatus
    from service.sandbox import SandboxTenant
    from service.store.db import make_engine
    from service.store.repo import Store

    quiet = Console(file=None, quiet=True)
    out = tmp_path / "out"
    later = datetime(2027, 12, 1, 8, tzinfo=UTC)
    run_demo(out, later, quiet, walk=LATER_WALK)
    settings = demo_settings(out.resolve())
    store = Store(make_engine(settings.database.url))
    written = sorted(((o, v) for v in store.views() for o in store.pairing_occurrences(
        v.pairing.id) if o.agenda_state == AgendaState.INJECTED
        and o.status == OccurrenceStatus.SCHEDULED and o.start > later + LATER_WALK),
        key=lambda ov: ov[0].start)
    assert written, "the later run wrote no agenda into a meeting still to come"
    gone, view = written[-1]
    store.engine.dispose()
    tenant = SandboxTenant.load(settings.microsoft.sandbox_state)
    tenant.person_cancel(view.manager.email, gone.event_id, "Off that day")
    tenant.save(settings.microsoft.sandbox_state)

    run_demo(out, datetime(2026, 12, 3, 8, tzinfo=UTC), quiet, walk=EARLIER_WALK)
    index = (out / "index.html").read_text()
    assert "Agendas and notes" in index and "agendas/" in index
    # Listed without its page ("—" where the link would be), in its series' zone.
    when = f"{gone.start.astimezone(ZoneInfo(view.series.time_zone)):%a %d %b %H:%M} "
    pair = html.escape(f"{view.manager.name} & {view.report.name}")
    assert re.search(rf"<td>{when}[^<]*</td><td>{re.escape(pair)}</td><td>[^<]*</td>"
                     r"<td>—</td>", index), "the meeting gone from Outlook is not listed"


def test_the_demos_log_goes_to_its_folder_not_the_screen(tmp_path, monkeypatch) -> None:
    """A newcomer's screen shows the demo's story, not bare event names on stderr; every
    event is in demo-out/demo.log, one JSON object per line."""
    import json

    from click.testing import CliRunner

    import service.demo
    from service.cli import cli

    monkeypatch.chdir(tmp_path)
    # Three days' walk, not six weeks: every tick logs and writes its files alike, and
    # three days' ticks write agendas and mail as well as the pages, the database, the
    # sandbox's state and the log. (`onetoone demo` imports run_demo when it runs.)
    monkeypatch.setattr(service.demo, "run_demo", functools.partial(
        service.demo.run_demo, walk=timedelta(days=3)))
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

"""The demo run end to end: its pages tell the story of the weeks it walked.

(Each test runs the whole demo, ~10 s: acceptance tier, not the fast unit loop.)"""

from __future__ import annotations

from datetime import date

from service.sandbox import leave_week


def test_demo_pages_show_the_leave_handled_and_missed_meetings(tmp_path) -> None:
    """A demo walking over Priya's leave shows the 1-2-1 onetoone moved off it (and why),
    Grace's pair flagged for missed meetings, and times in each series' zone."""
    import re
    from datetime import UTC, datetime

    from rich.console import Console

    from service.demo import run_demo

    run_demo(tmp_path / "out", datetime(2026, 11, 23, 9, tzinfo=UTC), Console(file=None,
                                                                          quiet=True))
    index = (tmp_path / "out" / "index.html").read_text()
    first, last = leave_week(date(2026, 11, 23))
    moved = re.findall(r"<td>(\w{3} \d\d \w{3} \d\d:\d\d [\w/]+)</td><td>Priya Sharma &amp; "
                       r"Sophie Turner</td><td>([^<]*moved by onetoone[^<]*)</td>", index)
    assert moved, "Sophie's meeting in Priya's week of leave was not moved"
    for when, why in moved:
        day = datetime.strptime(f"{when[:10]} {first.year}", "%a %d %b %Y").date()
        assert not first <= day <= last and "Europe/London" in when and "(" in why
    assert "active, missed 2 in a row" in index  # Marcus never writes notes for Grace
    assert "America/New_York</td><td>Marcus Johnson &amp;" in index


def test_demo_over_a_bank_holiday_shows_the_meeting_moved_off_it(tmp_path) -> None:
    """A demo walking over Christmas 2027 (Boxing Day observed is Tuesday 28 December)
    shows the 1-2-1s that fell on it moved by onetoone, the holiday named, and the rebooking
    offers and reminders managers got listed with the mail."""
    from datetime import UTC, datetime

    from rich.console import Console

    from service.demo import run_demo

    run_demo(tmp_path / "out", datetime(2027, 12, 1, 8, tzinfo=UTC), Console(file=None,
                                                                         quiet=True))
    index = (tmp_path / "out" / "index.html").read_text()
    assert "moved by onetoone (bank holiday: Boxing Day (observed) (England))" in index
    agendas = index.split("Agendas and notes")[1].split("Mail people received")[0]
    assert "<td>Tue 28 Dec" not in agendas  # no 1-2-1 left on the bank holiday
    assert "Rebook your 1-2-1" in index  # the offer a missed meeting got, in the mail list

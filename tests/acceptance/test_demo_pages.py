"""The demo run end to end: its pages tell the story of the weeks it walked.

(Each test runs the whole demo, ~10 s: acceptance tier, not the fast unit loop.)"""

from __future__ import annotations

from datetime import date, timedelta

from service.sandbox import leave_week

# Five of the six weeks people see: every part of the story checked here has happened by
# then (the last, Grace's second missed meeting and the offer to rebook it, by about 33
# days), and a week less is a sixth less of the demo's ticks.
WALK = timedelta(weeks=5)


def test_demo_pages_show_the_leave_handled_and_missed_meetings(tmp_path) -> None:
    """A demo walking over Priya's leave shows the 1-2-1 onetoone moved off it (and why),
    Grace's pair flagged for missed meetings, times in each series' zone, and a 4th meeting's
    agenda suggesting it be face to face."""
    import re
    from datetime import UTC, datetime

    from rich.console import Console

    from service.demo import run_demo

    run_demo(tmp_path / "out", datetime(2026, 11, 23, 9, tzinfo=UTC), Console(file=None,
                                                                          quiet=True),
             walk=WALK)
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
    # Issue 12: reports lead from Outlook. Their replies to the prep mail became topics that
    # open later agendas; Tom's reply to a summary is kept; Priya's private note is stored
    # and appears in no page or mail the demo wrote (only in her own Sent Items).
    assert "replied to the prep mail with" in index
    assert "Tom replied to his summary with a comment" in index
    assert "kept a private note about a meeting with Tom" in index
    import html as html_module

    from service.demo import REPLY_TOPICS

    pages = [p.read_text() for p in (tmp_path / "out" / "agendas").glob("*.html")]
    wanted = {t for lines in REPLY_TOPICS for t in lines}
    led = [p for p in pages if any(t in html_module.unescape(html_module.unescape(p))
                                   for t in wanted)]
    assert led, "no agenda carries a topic a report sent by replying"
    # Seed 001: some 1-2-1s face to face. The demo's series are Teams meetings: the agendas
    # of their every 4th meeting suggest it, the others don't.
    from service.domain.in_person import IN_PERSON_HINT

    suggested = [p for p in pages if IN_PERSON_HINT in html_module.unescape(p)]
    assert suggested and len(suggested) < len(pages)
    written = [p for p in (tmp_path / "out").rglob("*")
               if p.is_file() and p.suffix in (".html", ".eml")]
    assert written and not [p for p in written if "family matter" in p.read_text()]
    from service.store.db import make_engine
    from service.store.repo import Store

    store = Store(make_engine(f"sqlite:///{tmp_path / 'out' / 'demo.db'}"))
    tom = next(v for v in store.views() if v.report.name.startswith("Tom"))
    kept = [n for o in store.pairing_occurrences(tom.pairing.id)
            for n in store.notes(o.id, include_private=True) if n.private]
    assert [n.text for n in kept] == ["Tom mentioned a family matter; check in gently next "
                                      "time."]
    assert any(store.report_comments(o.id) for o in store.pairing_occurrences(tom.pairing.id))
    # Marcus's Outlook writes dates month first (New York): his "by 1/4", the first Monday
    # of next month, is 4 January, not 1 April.
    marcus = [v for v in store.views() if v.manager.name.startswith("Marcus")]
    typed = [a for v in marcus for a in store.actions(v.pairing.id)]
    assert typed and all(a.due is not None and a.due.day <= 7 and a.due.weekday() == 0
                         and (a.due.year * 12 + a.due.month) - (
                             a.raised_on.year * 12 + a.raised_on.month) == 1
                         for a in typed), [(a.text, a.raised_on, a.due) for a in typed]


def test_demo_over_a_bank_holiday_shows_the_meeting_moved_off_it(tmp_path) -> None:
    """A demo walking over Christmas 2027 (Boxing Day observed is Tuesday 28 December)
    shows the 1-2-1s that fell on it moved by onetoone, the holiday named, and the rebooking
    offers and reminders managers got listed with the mail."""
    from datetime import UTC, datetime

    from rich.console import Console

    from service.demo import run_demo

    run_demo(tmp_path / "out", datetime(2027, 12, 1, 8, tzinfo=UTC), Console(file=None,
                                                                         quiet=True),
             walk=WALK)
    index = (tmp_path / "out" / "index.html").read_text()
    assert "moved by onetoone (bank holiday: Boxing Day (observed) (England))" in index
    agendas = index.split("Agendas and notes")[1].split("Mail people received")[0]
    assert "<td>Tue 28 Dec" not in agendas  # no 1-2-1 left on the bank holiday
    assert "Rebook your 1-2-1" in index  # the offer a missed meeting got, in the mail list

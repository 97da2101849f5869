"""The compact layout's one focus area, over a monthly pair's year (the default cadence for
staff who manage no one): development comes round every other month or so (every 3rd
meeting, and whenever it was last on an agenda 60 days before), and Progress and obstacles,
Feedback both ways and Recognition must still each come round in turn on the meetings
left, as the guidance asks of every 1-2-1 (seeds 001, 003, 004)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.test_agenda_content_invites import ROB, Pairs, with_agenda
from tests.integration.test_agenda_loop import START

FOCUS = ("Progress and obstacles", "Feedback both ways", "Recognition",
         "Development and growth")


@pytest.mark.slow
def test_a_development_meeting_off_its_turn_does_not_skip_another_focus_area(
        tmp_path: Any, settings_for: Any) -> None:
    # SQLite only: a year of meetings, and the count is read from rows every store gives.
    pairs = Pairs(with_agenda(settings_for(f"sqlite:///{tmp_path / 'focus.db'}"),
                              layout="compact"))
    pairs.at(START)
    shown: list[str] = []
    after = START
    while len([f for f in shown if f != "Development and growth"]) < 6:
        # A tick every other day: an agenda is due at the start of the working day two
        # working days ahead (over 48 hours before its meeting), so none is missed.
        occ, _ = pairs.next_agenda(ROB, after, step=timedelta(days=2))
        focus = [line for line in pairs.lines(occ) if line in FOCUS]
        assert len(focus) == 1, focus
        shown.append(focus[0])
        # Read back at the first tick after it, as before; then nothing the turns depend on
        # happens until the next agenda, due at least three weeks after this meeting (they
        # are four or five weeks apart, an agenda at most a week ahead over holidays): the
        # search for it starts two weeks on.
        pairs.at(occ.start + timedelta(days=2))
        after = occ.start + timedelta(days=16)
    assert "Development and growth" in shown
    others = [f for f in shown if f != "Development and growth"]
    # Each of the three within any three meetings that are not development ones.
    for at in range(len(others) - 2):
        assert set(others[at:at + 3]) == set(FOCUS[:3]), " / ".join(shown)

"""A cross on a line means "not done": in real notes ✗, ✘, ❌ and ✖ (Outlook's Insert >
Symbol cross, Wingdings "û" or Wingdings 2 "O", and the emoji panel's) mark what was *not*
done. A carried action crossed stays open and goes to the next agenda; a new action typed
with one is agreed and open. Only a tick (``[x]``, ☑, ☒, ✓, ✔, ✅, done, ~~) closes.

Before, ✗ and ✘ counted as ticks: the report's summary listed a crossed action under "Done
since last time" with a ✓, and it left the agendas; and a line starting ❌ was an action owned
by "❌ Sam", someone outside the pair."""

from __future__ import annotations

import pytest

from tests.unit.test_notes import AGENDA_HTML, MANAGER, read_back, typed
from tests.unit.test_notes_outlook import symbol

CROSSES = ["✗", "✘", "❌", "\u274c\ufe0f", "✖", "\u2716\ufe0f", "[✗]", "[❌]"]


@pytest.mark.parametrize("cross", CROSSES)
def test_a_carried_action_crossed_stays_open(cross: str) -> None:
    html = AGENDA_HTML.replace("[ ] Sam Smith – send the Q1 plan",
                               f"{cross} Sam Smith – send the Q1 plan")
    parsed = read_back(html)
    assert parsed.closed_ids == set()
    assert parsed.still_open_ids == {5, 6, 7}
    assert parsed.notes == []


@pytest.mark.parametrize("cross", ["✗", "✘", "❌", "✖"])
def test_a_cross_typed_after_a_carried_action_leaves_it_open(cross: str) -> None:
    html = AGENDA_HTML.replace("(#5)", f"(#5) {cross}")
    parsed = read_back(html)
    assert parsed.closed_ids == set()
    assert 5 in parsed.still_open_ids
    assert parsed.notes == []


@pytest.mark.parametrize("cross", CROSSES)
def test_a_new_action_typed_with_a_cross_is_open_and_keeps_its_owner(cross: str) -> None:
    parsed = read_back(typed(AGENDA_HTML, [], [f"{cross} Sam: send the deck by Friday"]))
    assert parsed.notes == []
    assert [(a.owner, a.text, a.done) for a in parsed.new_actions] == [
        (MANAGER, "send the deck", False)]


def test_outlook_symbol_font_cross_is_not_a_tick() -> None:
    """Insert > Symbol's cross (Wingdings "û", Wingdings 2 "O") in place of the box."""
    html = (AGENDA_HTML.replace("[ ] Sam Smith – send the Q1 plan",
                                symbol("û") + " Sam Smith – send the Q1 plan")
            .replace("[ ] Alex Jones – get the work done",
                     symbol("O", "Wingdings 2") + " Alex Jones – get the work done"))
    parsed = read_back(html)
    assert parsed.closed_ids == set()
    assert parsed.still_open_ids == {5, 6, 7}


def test_ticks_still_close() -> None:
    """The ticked box with an X in it (Word's checked box) is still a tick."""
    for tick in ("☒", "[x]", "✓"):
        html = AGENDA_HTML.replace("[ ] Sam Smith – send the Q1 plan",
                                   f"{tick} Sam Smith – send the Q1 plan")
        assert read_back(html).closed_ids == {5}, tick

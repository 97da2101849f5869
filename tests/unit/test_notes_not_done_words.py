"""Words that say a line is *not* done don't tick it. A manager going through last time's
actions writes "not done yet, moving to January" after one as often as "done" after another:
before, the word "done" in it closed the action (the report's summary listed it under "Done
since last time" with a ✓, and it left the agendas), and the note lost that word ("(#5) not
yet, moving to January"). The same for a topic "not discussed", which stayed off the next
agenda."""

from __future__ import annotations

import pytest

from tests.unit.test_notes import AGENDA_HTML, read_back

NOT_DONE = [
    "not done yet, moving to January",
    "still not done",
    "NOT DONE",
    "isn't done yet",
    "hasn’t been completed - waiting on finance",
    "not finished",
    "almost done",
    "half done",
    "still to be done",
]


@pytest.mark.parametrize("words", NOT_DONE)
def test_not_done_after_a_carried_action_leaves_it_open_and_keeps_the_words(words: str
                                                                           ) -> None:
    parsed = read_back(AGENDA_HTML.replace("(#5)", f"(#5) {words}"))
    assert parsed.closed_ids == set()
    assert 5 in parsed.still_open_ids
    assert parsed.notes == [f"(#5) {words}"]


def test_not_done_in_front_of_a_carried_action_leaves_it_open() -> None:
    html = AGENDA_HTML.replace("[ ] Sam Smith – send the Q1 plan",
                               "[ ] Not done: Sam Smith – send the Q1 plan")
    parsed = read_back(html)
    assert parsed.closed_ids == set()


@pytest.mark.parametrize("words", ["not discussed, next time", "not covered"])
def test_a_topic_not_discussed_carries(words: str) -> None:
    parsed = read_back(AGENDA_HTML.replace("(topic #1)", f"(topic #1) {words}"))
    assert parsed.topics_discussed == set()
    assert parsed.notes == [f"(topic #1) {words}"]


@pytest.mark.parametrize("words", ["done", "done - sent on Monday", "completed, not late",
                                   "finished (not by the deadline)"])
def test_done_still_closes(words: str) -> None:
    parsed = read_back(AGENDA_HTML.replace("(#5)", f"(#5) {words}"))
    assert parsed.closed_ids == {5}

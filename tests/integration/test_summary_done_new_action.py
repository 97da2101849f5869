"""An action typed under Actions agreed as already done ("[x] Rob: send the slides") is
listed once in the report's summary, in the agreed table marked done, not again under "Done
since last time"."""

from __future__ import annotations

import pytest

from service.domain.htmltext import html_to_text
from tests.integration.test_agenda_loop import person_types
from tests.integration.test_summary_comments_named import Carried


@pytest.fixture
def carried(tmp_path, settings_for) -> Carried:
    return Carried(settings_for(f"sqlite:///{tmp_path / 'done.db'}"))


def test_an_action_agreed_as_done_is_listed_once(carried: Carried) -> None:
    """"[x] Rob: send the slides" is in the agreed table, marked done, and not again under
    "Done since last time" (it was agreed today); a carried one ticked is."""
    person_types(carried.tenant, carried.occ, ["Talked about Q1"],
                 ["[x] Rob: send the slides", "Mia: book the room by Friday"], tick_all=True)
    carried.after_meeting()
    text = html_to_text(carried.summaries()[0]["body"]["content"])
    assert "Rob Report\tsend the slides\t✓ done" in text
    assert "Mia Manager\tbook the room\t4 Dec 2026" in text
    done = text.split("Done since last time")[1].split("Next time")[0]
    assert "send the budget" in done and "send the slides" not in done
    assert text.count("send the slides") == 1

"""Text from outside is normalised once, at the edge: a lone surrogate, a NUL, a bidi
override or a bare CR in one note never stops a run (on SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.text import REPLACEMENT, clean_json, clean_text
from tests.integration.test_mail import Scenario, person_types


def test_clean_text_replaces_and_removes_what_cannot_be_stored() -> None:
    """Lone surrogates become U+FFFD; NUL, controls and bidi overrides go; CR/CRLF -> LF."""
    assert clean_text("ok") == ("ok", False)
    assert clean_text("a\ud83db") == (f"a{REPLACEMENT}b", True)
    assert clean_text("a\x00b\u202ec\u2066d") == ("abcd", True)
    assert clean_text("one\rtwo\r\nthree\n") == ("one\ntwo\nthree\n", True)
    assert clean_text("tab\tkept") == ("tab\tkept", False)
    assert clean_text("😀 emoji kept") == ("😀 emoji kept", False)


def test_clean_json_walks_keys_and_values() -> None:
    """Every string in a Graph document is cleaned, nested or not, and changes are counted."""
    doc = {"value": [{"body": {"content": "x\x00"}, "subject": "fine"}], "k\ud800": 1}
    cleaned, changed = clean_json(doc)
    assert cleaned == {"value": [{"body": {"content": "x"}, "subject": "fine"}],
                       f"k{REPLACEMENT}": 1}
    assert changed == 2


@given(st.text(alphabet=st.characters(codec=None), max_size=200))
def test_cleaned_text_always_encodes_and_has_no_nul(text: str) -> None:
    """Whatever comes in, what comes out encodes as UTF-8 (hashable, storable), holds no NUL,
    no CR and no bidi override; cleaning twice changes nothing more."""
    out, _ = clean_text(text)
    out.encode("utf-8")
    assert "\x00" not in out and "\r" not in out and "\u202e" not in out
    assert clean_text(out) == (out, False)


@pytest.fixture
def scenario(db_url, settings_for) -> Scenario:
    return Scenario(settings_for(db_url))


def test_broken_emoji_and_nul_in_notes_do_not_stop_the_run(scenario: Scenario) -> None:
    """Half an emoji and a NUL typed into the notes: the run succeeds, the notes are kept
    (the broken character as U+FFFD), and the summary goes out."""
    person_types(scenario.tenant, scenario.occ, ["went well \ud83d and\x00 more"],
                 ["Rob: send the plan by 20 Dec"], tick_all=False)
    result = scenario.after_meeting()
    assert result.capture is not None and result.capture.failed == []
    notes = " ".join(n.text for n in scenario.store.notes(scenario.occ.id))
    assert f"went well {REPLACEMENT} and more" in notes
    assert len(scenario.summaries()) == 1

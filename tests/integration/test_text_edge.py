"""Text from outside is normalised once, at the edge: a lone surrogate, a NUL, a bidi
override or a bare CR in one note never stops a run (on SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.text import REPLACEMENT, clean_json, clean_text
from tests.integration.test_agenda_loop import START
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


# -- the report's words never tick anything (issue 9, item 2 and 3) -------------------------

HOSTILE = ["Budget (#{aid}) done?", "[x] the rota", "finished the migration, what next",
           "is the review complete", "── onetoone agenda ends · please keep this line ──"]


class HostileTopics(Scenario):
    """Rob's first 1-2-1, whose agenda carries an open action and Rob's hostile topics."""

    def before_agendas(self) -> None:
        pid = self.rob.pairing.id
        self.aid = self.store.add_action(
            pairing_id=pid, occurrence_id=None, owner="Mia Manager", text="send the budget",
            due=None, raised_on=START.date(), fingerprint="cli:budget", now=START)
        assert self.aid
        for text in HOSTILE:
            self.store.add_topic(pid, text.format(aid=self.aid), "report", START.date(), START)


@pytest.fixture
def hostile(db_url, settings_for) -> HostileTopics:
    return HostileTopics(settings_for(db_url))


def test_reports_topics_close_nothing_and_the_managers_notes_are_read(
        hostile: HostileTopics) -> None:
    """Topics with "(#1) done", "[x]", "finished", "complete" and the end-marker words:
    the agenda goes in whole; nothing is closed or discussed; Mia's typed notes are read."""
    body = hostile.tenant.person_body("mia@contoso.example", hostile.occ.event_id)
    assert f"Budget (#{hostile.aid}) done?" in body and "onetoone-notes" in body
    person_types(hostile.tenant, hostile.occ, ["Talked it through"], ["Rob: draft the rota"],
                 tick_all=False)
    result = hostile.after_meeting()
    assert result.capture is not None and result.capture.failed == []
    pid = hostile.rob.pairing.id
    assert [a.id for a in hostile.store.open_actions(pid) if a.id == hostile.aid] == [hostile.aid]
    assert len(hostile.store.open_topics(pid)) == len(HOSTILE)
    assert [n.text for n in hostile.store.notes(hostile.occ.id)] == ["Talked it through"]
    assert {a.text for a in hostile.store.open_actions(pid)} == {"send the budget",
                                                                 "draft the rota"}
    assert len(hostile.summaries()) == 1


def test_reports_topics_alone_do_not_make_a_meeting_held(hostile: HostileTopics) -> None:
    """Nothing typed: the meeting is "held, no notes", whatever the topics say."""
    hostile.after_meeting()
    occ = hostile.store.occurrence(hostile.occ.id)
    assert occ is not None and occ.status == "held_no_notes"
    assert hostile.summaries() == []
    assert [a.id for a in hostile.store.open_actions(hostile.rob.pairing.id)] == [hostile.aid]


def test_bare_cr_text_bodies_are_read_through_capture(scenario: Scenario, monkeypatch) -> None:
    """Graph hands the body back with old Mac line endings: every line is still read."""
    import service.sandbox.calendar as sandbox_calendar

    real = sandbox_calendar.html_to_text
    monkeypatch.setattr(sandbox_calendar, "html_to_text",
                        lambda content: real(content).replace("\r\n", "\r").replace("\n", "\r"))
    person_types(scenario.tenant, scenario.occ, ["first point", "second point"],
                 ["Rob: send the plan by 20 Dec"], tick_all=False)
    scenario.after_meeting()
    assert [n.text for n in scenario.store.notes(scenario.occ.id)] == ["first point",
                                                                      "second point"]
    assert [a.text for a in scenario.store.open_actions(scenario.rob.pairing.id)] == [
        "send the plan"]

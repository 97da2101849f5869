"""Some 1-2-1s face to face (seeds 001, 000): every Nth meeting of a pair that meets on Teams,
one line near the agenda's top suggests meeting in person; never for a pair booked in
person, never with the key at 0, and the same on every render of one meeting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.config import default_settings, load_config
from service.domain import agenda as ag
from service.domain.agenda import AgendaPolicy, build_agenda
from service.domain.body import MARKERS, block_text
from service.domain.htmltext import html_to_text
from service.domain.in_person import IN_PERSON_HINT, in_person_due
from service.domain.notes import parse_block
from service.errors import ConfigError
from service.render import render

MEETING = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London"))
MANAGER, REPORT = "Sam Smith", "Alex Jones"


def agenda(number: int, *, online: bool = True, every: int = 4,
           layout: str = ag.FULL) -> ag.Agenda:
    return build_agenda(meeting_start=MEETING, manager_name=MANAGER, report_name=REPORT,
                        topics=[], open_actions=[], meeting_number=number,
                        last_development_on=None, policy=AgendaPolicy(in_person_every=every),
                        question=None, layout=layout, online=online)


def lines_of(a: ag.Agenda, folder: str | None = None) -> list[str]:
    html = render("agenda.html.j2", folder, agenda=a, markers=MARKERS)
    return (block_text(html_to_text(html)) or "").replace("\r", "").split("\n")


def test_every_fourth_meeting_by_default() -> None:
    """The 4th, 8th and 12th meetings of an online pair, and no others."""
    assert AgendaPolicy().in_person_every == 4
    assert default_settings().agenda.in_person_every == 4
    due = [n for n in range(1, 13) if in_person_due(n, 4, online=True)]
    assert due == [4, 8, 12]


@given(number=st.integers(1, 500), every=st.integers(0, 12))
def test_the_rule(number: int, every: int) -> None:
    """Due exactly on multiples of ``every`` when online; never at 0, never in person."""
    assert in_person_due(number, every, online=True) is (every > 0 and number % every == 0)
    assert not in_person_due(number, every, online=False)
    assert not in_person_due(number, 0, online=True)


def test_bad_numbers_refused() -> None:
    """A negative cadence and a meeting number below 1 are mistakes, not "never"."""
    with pytest.raises(ValueError, match="in_person_every"):
        in_person_due(4, -1, online=True)
    with pytest.raises(ValueError, match="1-based"):
        in_person_due(0, 4, online=True)
    with pytest.raises(ValueError, match="in_person_every"):
        AgendaPolicy(in_person_every=-1)


@pytest.mark.parametrize("layout", ag.LAYOUTS)
def test_one_line_under_the_header_in_both_layouts(layout: str) -> None:
    """On its meeting the line sits between the header and the first section, once, as a
    line of its own (not a section); on the others, and offline, it is not there."""
    lines = lines_of(agenda(8, layout=layout))
    assert lines.count(IN_PERSON_HINT) == 1
    at = lines.index(IN_PERSON_HINT)
    assert lines[at - 1].startswith("1-2-1 · Sam Smith & Alex Jones · ")
    assert lines[at + 1] == ag.TITLES[ag.TOPICS]
    assert agenda(8, layout=layout).section_keys == agenda(7, layout=layout).section_keys
    for other in (agenda(7, layout=layout), agenda(8, layout=layout, online=False),
                  agenda(8, layout=layout, every=0)):
        assert other.in_person_text == ""
        assert not any("face to face" in line for line in lines_of(other))


def test_the_same_on_every_render() -> None:
    """Composed again for the same meeting, the agenda says the same (its block's
    fingerprint does not change between renders for this line's sake)."""
    assert lines_of(agenda(4)) == lines_of(agenda(4))
    assert agenda(4).in_person_text == IN_PERSON_HINT


def test_never_read_back_as_a_note() -> None:
    """The line is the agenda's: read back with or without the agenda to compare with, and
    also when the manager moved it down into the Notes area, it is no note."""
    text = "\n".join(lines_of(agenda(4)))
    for template in (None, text):
        back = parse_block(text, [], meeting_date=MEETING.date(), manager_name=MANAGER,
                           report_name=REPORT, template=template)
        assert back.notes == [] and not back.new_actions
    title = "\n" + ag.TITLES[ag.ACTIONS_AGREED] + "\n"
    moved = text.replace(IN_PERSON_HINT + "\n", "").replace(title, "\n" + IN_PERSON_HINT + title)
    assert moved.count(IN_PERSON_HINT) == 1
    back = parse_block(moved, [], meeting_date=MEETING.date(), manager_name=MANAGER,
                       report_name=REPORT)
    assert back.notes == [] and not back.new_actions


def test_an_organisations_template_without_it_still_renders(tmp_path: Path) -> None:
    """A template written before the line existed renders as it did; one that asks for it
    gets it (through the sandbox, escaped like every other field)."""
    (tmp_path / "agenda.html.j2").write_text(
        "{{ markers.start }}\n<p>{{ agenda.header }}</p>\n{{ markers.end }}\n", encoding="utf-8")
    old = render("agenda.html.j2", str(tmp_path), agenda=agenda(4), markers=MARKERS)
    assert "face to face" not in old and "1-2-1 · Sam Smith" in old
    (tmp_path / "agenda.html.j2").write_text(
        "{{ markers.start }}\n<p>{{ agenda.in_person_text }}</p>\n{{ markers.end }}\n",
        encoding="utf-8")
    assert "over a coffee" in render("agenda.html.j2", str(tmp_path), agenda=agenda(4),
                                     markers=MARKERS)


def test_the_key_is_validated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[agenda] in_person_every takes 0 (off) to 12, from the file or the environment."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.toml"
    for value in (0, 6, 12):
        path.write_text(f"[agenda]\nin_person_every = {value}\n", encoding="utf-8")
        assert load_config(path, {}).agenda.in_person_every == value
    assert load_config(None, {"ONETOONE_AGENDA_IN_PERSON_EVERY": "0"}).agenda.in_person_every == 0
    for bad in ("-1", "13", '"4"'):
        path.write_text(f"[agenda]\nin_person_every = {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=r"\[agenda\] in_person_every"):
            load_config(path, {})

"""What the invites and summaries tell the pair, through the sandbox (guidance review): true
for how onetoone is set up (without a topics mailbox the report has no way to add a topic,
so nothing asks them to, nor nudges them), factual about whose topics they are ("most" only
at the guidance's three quarters), right at a pair's first meeting (no "since last time",
no carried actions), and clear about whose copy of the invite is read."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from service.cli import cli
from service.jobs.agenda import question_bank
from tests.cli_env import cli_env
from tests.integration.test_agenda_content_invites import ROB, Pairs
from tests.integration.test_agenda_loop import START, org, person_types

BOX = "onetoone@contoso.example"
NUDGE = "Lately more than a quarter of the topics have been Mia's"
# A tick every other day while waiting for an agenda: one is due at the start of the working
# day two working days before its meeting (over 48 hours ahead), so none is missed.
STEP = timedelta(days=2)


def _meetings(pairs: Pairs, count: int, *, manager_topics: int, report_topics: int = 0
              ) -> list[tuple[list[str], str]]:
    """Rob's next ``count`` agendas, as his invite shows them: before each is written Mia
    (and Rob) raise topics, and after each meeting Mia types a note and ticks the topics.
    Each agenda's lines, and the summary Rob got after that meeting ("" when none)."""
    store, pid = pairs.store, pairs.view(ROB).pairing.id
    out: list[tuple[list[str], str]] = []
    after = START
    for n in range(count):
        day = after.date()
        for i in range(manager_topics):
            store.add_topic(pid, f"Mia's topic {n}.{i}", "manager", day, after)
        for i in range(report_topics):
            store.add_topic(pid, f"Rob's topic {n}.{i}", "report", day, after)
        occ, _now = pairs.next_agenda(ROB, after, STEP)
        lines = [line for line in pairs.lines(occ) if line]
        person_types(pairs.tenant, occ, [f"Note of meeting {n}"], ["Rob: draft the plan"],
                     tick_all=True)
        pairs.at(occ.end + timedelta(hours=1))
        pairs.at(occ.end + timedelta(hours=2))  # the summary goes out
        summaries = [m["body"]["content"] for m in pairs.tenant.messages(ROB)
                     if (m.get("subject") or "").startswith("1-2-1 notes:")]
        out.append((lines, summaries[-1] if len(summaries) > n else ""))
        after = occ.end + timedelta(hours=2)
    return out


def _with_box(settings: Any) -> Any:
    return dataclasses.replace(settings, mail=dataclasses.replace(
        settings.mail, topics_mailbox=BOX))


def test_without_a_topics_mailbox_nothing_asks_for_topics_that_could_not_be_added(
        tmp_path, settings_for) -> None:
    """Default settings: no way for Rob to add a topic, so his invite never says he hasn't
    added one nor nudges him, and the summary asks him to bring his topics to the meeting
    rather than to reply with them (nothing puts a reply on the agenda)."""
    pairs = Pairs(settings_for(f"sqlite:///{tmp_path / 'plain.db'}"))
    pairs.at(START)
    agendas = _meetings(pairs, 3, manager_topics=2)
    for lines, _summary in agendas:
        assert "So far the topics are Mia's: anything Rob brings goes first." in lines
        text = "\n".join(lines)
        assert "hasn't added" not in text and "Lately" not in text and "great" not in text
    for _lines, summary in agendas:
        assert "Bring anything you'd like to talk about to the meeting" in summary
        assert "reply to this email and tell me" not in summary


def test_with_a_topics_mailbox_the_share_line_invites_and_nudges_below_three_quarters(
        tmp_path, settings_for) -> None:
    """With a topics mailbox Rob can add topics: the line says anything he adds goes first,
    and once the manager's topics have been more than a quarter of several meetings' (here
    3 of Rob's and 2 of Mia's each time, 60%) it invites him in, and never calls 60% "most"
    nor praises it."""
    tenant = org()
    tenant.add_user("onetoone", BOX)
    pairs = Pairs(_with_box(settings_for(f"sqlite:///{tmp_path / 'box.db'}")), tenant)
    pairs.at(START)
    first, second, third = (lines for lines, _ in _meetings(pairs, 3, manager_topics=2,
                                                                report_topics=3))
    for lines in (first, second, third):
        text = "\n".join(lines)
        assert "Some of today's topics are Rob's — theirs come first." in text
        assert "Most of today's topics" not in text and "great" not in text
    assert NUDGE not in "\n".join(first)  # too few meetings yet to say "lately"
    assert (f"Some of today's topics are Rob's — theirs come first. {NUDGE}: Rob, what would "
            "you like to talk about?") in third

    only_mia = Pairs(_with_box(settings_for(f"sqlite:///{tmp_path / 'mia.db'}")), org())
    only_mia.tenant.add_user("onetoone", BOX)
    only_mia.at(START)
    (lines, _), = _meetings(only_mia, 1, manager_topics=2)
    assert "So far the topics are Mia's: anything Rob adds or brings goes first." in lines
    assert not any("hasn't added" in line for line in lines)


def test_a_pairs_first_meeting_looks_forward_and_every_invite_says_whose_copy_is_read(
        tmp_path, settings_for) -> None:
    """A pair's first agenda asks what Rob is working on (not "since last time"), lists no
    "Last time's actions" (nothing could be carried over) and gets no question that looks
    back to an earlier meeting; the second has both. Each hint that asks for ticks or notes
    names Mia, whose copy is the one read; Development speaks of Rob, as the rest does."""
    from service.domain.questions import looks_back
    (folder := tmp_path / "org").mkdir()
    (folder / "questions.toml").write_text(
        '[[question]]\nid = "back"\ntheme = "check-in"\n'
        'text = "What has been on your mind since we last talked?"\n'
        '[[question]]\nid = "now"\ntheme = "check-in"\n'
        'text = "What would make this week a good one?"\n', encoding="utf-8")
    settings = settings_for(f"sqlite:///{tmp_path / 'first.db'}")
    settings = dataclasses.replace(settings, agenda=dataclasses.replace(
        settings.agenda, templates=folder, development_every=1))
    pairs = Pairs(settings)
    pairs.at(START)
    (first, _), (second, _) = _meetings(pairs, 2, manager_topics=1)
    assert "What is Rob working on now, and what comes next?" in first
    assert not any("since last time" in line for line in first)
    assert "Last time's actions" not in first
    assert "Nothing carried over from last time." not in first
    asked = [o.question_id for o in pairs.meetings(ROB) if o.question_id]
    assert asked[0] == "now" and not looks_back(
        next(q for q in question_bank(folder) if q.id == asked[0]))

    assert "What has moved forward since last time, and what comes next?" in second
    assert "Last time's actions" in second
    assert ("Mia: tick what's done in your copy of this invite (change [ ] to [x]). Anything "
            "left unticked carries to next time.") in second
    for lines in (first, second):
        assert any(line.startswith("This is Rob's time: Rob's topics come first. Mia: tick a "
                                   "topic's box in your copy of this invite") for line in lines)
        assert any(line.startswith("Mia: type notes below this line, in your copy of this "
                                   "invite.") for line in lines)
        assert "Where would Rob like to be in a year or two?" in lines
        assert "Where would you like to be in a year or two?" not in lines
    # Read back, none of these lines is taken for Mia's notes.
    notes = [n.text for o in pairs.meetings(ROB) for n in pairs.store.notes(o.id)]
    assert notes == ["Note of meeting 0", "Note of meeting 1"]


def test_a_meeting_without_notes_is_not_called_missed_in_the_next_invite(
        tmp_path, settings_for) -> None:
    """Rob's first 1-2-1 passes with nothing typed (it may well have taken place): his next
    invite says no notes were recorded for it, on which day, as a sentence, not that it was
    missed, nor in the shape of a second heading; read back, it is no note."""
    pairs = Pairs(settings_for(f"sqlite:///{tmp_path / 'quiet.db'}"))
    pairs.at(START)
    first, _now = pairs.next_agenda(ROB, START, STEP)
    second, _now = pairs.next_agenda(ROB, first.end, STEP)
    assert pairs.store.occurrence(first.id).status == "held_no_notes"
    lines = [line for line in pairs.lines(second) if line]
    day = f"{first.start.astimezone(ZoneInfo('Europe/London')):%A %-d %B %Y}"
    assert lines[1] == f"No notes were recorded for the last 1-2-1, on {day}."
    assert not any("missed" in line for line in lines)
    assert sum(line.startswith("1-2-1 · ") for line in lines) == 1  # the header alone
    person_types(pairs.tenant, second, ["We did meet last time"], [], tick_all=False)
    pairs.at(second.end + timedelta(hours=1))
    assert [n.text for n in pairs.store.notes(second.id)] == ["We did meet last time"]


def _attention(pairs: Pairs, now: str) -> dict[str, str]:
    """`onetoone report --format json`'s needs-attention list: report name -> why."""
    out = pairs.settings.microsoft.sandbox_state.parent / "report-out"
    env = {"ONETOONE_DATABASE_URL": pairs.settings.database.url, "ONETOONE_CONFIG": "",
           "ONETOONE_MICROSOFT_SANDBOX_STATE": str(pairs.settings.microsoft.sandbox_state)}
    result = CliRunner().invoke(cli, ["report", "--from", f"{START:%Y-%m-%d}", "--now", now,
                                      "--format", "json", "--out", str(out), "--force"],
                                env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {a["report"]: a["why"] for a in data["attention"]}


def test_the_hr_report_flags_a_pair_led_by_the_managers_topics(tmp_path, settings_for
                                                              ) -> None:
    """Three held 1-2-1s with 2 of Mia's topics and 1 of Rob's each (a third report-led, 9
    topics): the report puts the pair under needs attention, saying so against the
    guidance's three quarters. Three of Rob's and two of Mia's (60%) are not flagged: that
    few topics that far from a half may be chance (the agenda itself nudges)."""
    led = Pairs(settings_for(f"sqlite:///{tmp_path / 'led.db'}"))
    led.at(START)
    _meetings(led, 3, manager_topics=2, report_topics=1)
    why = _attention(led, "2027-02-10T06:00:00Z").get("Rob Report", "")
    assert ("report-led share 3/9 topics over the last 3 held 1-2-1s (the guidance asks for "
            "at least three quarters)") in why

    mostly = Pairs(settings_for(f"sqlite:///{tmp_path / 'mostly.db'}"))
    mostly.at(START)
    _meetings(mostly, 3, manager_topics=2, report_topics=3)
    assert "report-led" not in _attention(mostly, "2027-02-10T06:00:00Z").get("Rob Report", "")


def test_doctor_warns_that_without_a_topics_mailbox_agendas_cannot_be_report_led_by_mail(
        tmp_path, monkeypatch) -> None:
    """`onetoone doctor` on the default settings says, as a warning (exit 0), that reports
    cannot add topics before a 1-2-1 and how to give them a way; with a topics mailbox, it
    doesn't."""
    cli_env(monkeypatch, tmp_path, 400)
    plain = CliRunner().invoke(cli, ["doctor"])
    assert plain.exit_code == 0, plain.output
    line = next((x for x in plain.output.splitlines() if " topics: " in x), "")
    assert line.startswith("! topics: no [mail] topics_mailbox: reports (and managers) cannot "
                           "add topics to an agenda before the 1-2-1"), plain.output
    monkeypatch.setenv("ONETOONE_MAIL_TOPICS_MAILBOX", BOX)
    boxed = CliRunner().invoke(cli, ["doctor"])
    assert " topics: " not in boxed.output, boxed.output

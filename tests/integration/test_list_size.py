"""Hostile or huge lists never stop an agenda or a summary from going out.

- A report who mails topics without end (ten a mail, thousands in all): every open topic
  went into the next agenda, the invite grew past Graph's 4 MB request limit, Graph refused
  the PATCH (413) and that meeting went without an agenda (jobs/agenda.py _too_large). Now
  the agenda lists the report's first, up to a number and a size, and says how many more
  there are; every topic stays stored and open.
- A manager who pastes thousands of lines under Actions agreed: the summary listed them all,
  Graph refused the sendMail (413) and the report never got the notes. Now it lists them up
  to a size and says how many more there are; every action stays stored.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from service.domain.htmltext import html_to_text
from service.domain.list_fit import TOPICS_SHOWN
from tests.integration.test_mail import Scenario

MIA = "mia@contoso.example"
# About 5 MB of topics (the topics mailbox takes ten a mail, of up to 300 characters each).
# Thousands because that is what it takes: listed whole, they make an invite of about 370
# bytes a topic (5.5 MB) and a prep mail of about 330 (4.9 MB), over Graph's 4 MiB from
# about 11,300 and 12,800 topics; the agenda's own budget (20 topics, 20,000 characters,
# list_fit) would be exceeded by a few dozen.
TOPICS = [f"topic {n:05d}: " + "what I would like to talk about, and why it matters " * 5
          for n in range(15_000)]
# Stored a hundred at a time: each call is one transaction, and the rows come out the same
# (ten a call, as mails bring them, only took ten times the transactions).
AT_ONCE = 100
# Between meetings, a tick every other day: an agenda (or a prep mail) is due at the start of
# a working day two (three) working days before its meeting, so none is missed.
STEP = timedelta(days=2)


@pytest.fixture
def scenario(tmp_path, settings_for) -> Scenario:
    return Scenario(settings_for(f"sqlite:///{tmp_path / 'lists.db'}"))


def flood(scenario: Scenario) -> int:
    """Rob's first meeting held and read back, then his thousands of topics (and one of
    Mia's); the pairing's id."""
    scenario.type_notes()
    scenario.after_meeting()
    pid = scenario.rob.pairing.id
    day = scenario.occ.end.date() + timedelta(days=1)
    for at in range(0, len(TOPICS), AT_ONCE):
        scenario.store.add_mail_topics(pid, TOPICS[at:at + AT_ONCE], "report", day,
                                       scenario.occ.end, message_id=f"<flood-{at}@contoso>")
    scenario.store.add_topic(pid, "the manager's own topic", "manager", day - timedelta(days=1),
                             scenario.occ.end)
    return pid


def test_thousands_of_topics_still_get_the_agenda_written(scenario: Scenario) -> None:
    pid = flood(scenario)
    at = scenario.occ.end
    second = None
    while at < scenario.occ.end + timedelta(days=40):  # past the second meeting's start
        at += STEP
        scenario.at(at)
        occs = scenario.store.pairing_occurrences(pid)
        second = occs[1] if len(occs) > 1 else None
        if second is not None and second.agenda_state != "pending":
            break
    assert second is not None and second.agenda_state == "injected"
    text = html_to_text(scenario.tenant.person_body(MIA, second.event_id))
    listed = re.findall(r"topic (\d{5}):", text)
    assert listed == [f"{n:05d}" for n in range(TOPICS_SHOWN)]  # the report's, oldest first
    flat = " ".join(text.split())
    assert (f"+ {len(TOPICS) + 1 - TOPICS_SHOWN} more topics, not listed here to keep the "
            "agenda short.") in flat
    # Nothing stored is lost, and the topics left out spend no update of the invite.
    for _ in range(3):
        at += timedelta(hours=6)
        scenario.at(at)
    assert len(scenario.store.open_topics(pid)) == len(TOPICS) + 1
    assert scenario.store.pairing_occurrences(pid)[1].agenda_updates == 1


def test_thousands_of_agreed_actions_still_get_the_summary_out(scenario: Scenario) -> None:
    pid = scenario.rob.pairing.id
    pasted = [f"pasted action {n:04d}: " + "follow up the line of the plan it came from " * 50
              for n in range(2_000)]  # about 4.5 MB, in a mail's table
    for n, text in enumerate(pasted):
        scenario.store.add_action(pairing_id=pid, occurrence_id=scenario.occ.id,
                                  owner="Rob Report", text=text, due=None,
                                  raised_on=scenario.occ.start.date(), fingerprint=f"paste:{n}",
                                  now=scenario.occ.start)
    scenario.type_notes()
    result = scenario.after_meeting()
    assert result.mail.failed == []
    (summary,) = scenario.summaries()
    body = summary["body"]["content"]
    listed = re.findall(r"pasted action (\d{4}):", body)
    assert listed == [f"{n:04d}" for n in range(len(listed))] and listed  # as typed, first on
    more = re.search(r"\+ (\d+) more actions agreed, not in this email", body)
    assert more is not None and int(more.group(1)) + len(listed) == len(pasted) + 1
    assert len(scenario.store.actions(pid)) == len(pasted) + 1


def test_thousands_of_topics_still_get_the_mail_asking_for_topics_out(
        tmp_path, settings_for) -> None:
    """The mail asking the report for topics (with a service mailbox) lists those already on
    the list: as the agenda does, so it is not refused as too large either."""
    base = settings_for(f"sqlite:///{tmp_path / 'prep.db'}")
    scenario = Scenario(dataclasses.replace(base, mail=dataclasses.replace(
        base.mail, topics_mailbox="onetoone@contoso.example")))
    flood(scenario)
    at, preps = scenario.occ.end, []
    while len(preps) < 2 and at < scenario.occ.end + timedelta(days=40):  # the 5 Jan one
        at += STEP
        result = scenario.at(at)
        assert result.mail.failed == []
        preps = [m for m in scenario.tenant.messages("rob@contoso.example")
                 if m["subject"].startswith("Your 1-2-1 with Mia Manager on")]
    assert len(preps) == 2
    body = preps[-1]["body"]["content"]
    assert re.findall(r"topic (\d{5}):", body) == [f"{n:05d}" for n in range(TOPICS_SHOWN)]
    assert f"+ {len(TOPICS) + 1 - TOPICS_SHOWN} more, kept on the list for later 1-2-1s." in body

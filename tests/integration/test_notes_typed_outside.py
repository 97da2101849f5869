"""Notes typed outside the agenda's two lines (above the START line, where Outlook's caret
lands, or below the rest of the invite) are still not read, but the manager is told so, and
not offered times to rebook a meeting that took place (review outlook F2)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.domain.htmltext import html_to_text
from tests.integration.test_rebook import MIA, ROB, START, World, _start, links, reminders

OUTSIDE = "Some text was typed outside the onetoone lines"


def _agenda_in(world: World) -> tuple[Any, str, datetime]:
    """Rob's first meeting with its agenda in: his view, the meeting's event id, its end."""
    world.tick(START)
    rob = world.view(ROB)
    first = world.instances(rob.series, START)[0]
    world.tick(world.due(rob, _start(first)))
    end = datetime.fromisoformat(first["end"]["dateTime"][:19]).replace(tzinfo=UTC)
    return rob, first["id"], end


def _typed(world: World, event_id: str, where: str, words: list[str]) -> None:
    """Mia types paragraphs into her copy of the meeting, as Outlook desktop saves them:
    above the agenda's START line, or at the very bottom of the body (below the Teams
    join block)."""
    body = world.tenant.person_body(MIA, event_id)
    paras = "".join(f'<p class="MsoNormal">{w}<o:p></o:p></p>' for w in words)
    if where == "above":
        at = body.rfind("<p", 0, body.index("── onetoone agenda starts"))
    else:
        at = body.lower().rindex("</body>")
    world.tenant.person_edit_body(MIA, event_id, body[:at] + paras + body[at:])


@pytest.mark.parametrize("where", ["above", "below"])
def test_notes_typed_outside_the_lines_get_a_reminder_saying_so_and_no_times(
        tmp_path, settings_for, where: str) -> None:
    """Notes typed above the agenda (or below the invite's Teams block) are never read, but
    the one reminder says some text was typed outside the onetoone lines and where to move
    it, and offers no times: the meeting took place."""
    world = World(tmp_path, settings_for)
    rob, event_id, end = _agenda_in(world)
    assert "Microsoft Teams meeting" in world.tenant.person_body(MIA, event_id)
    _typed(world, event_id, where, ["Rob is doing well, Q1 on track.",
                                    "Rob: send the plan by 20 Dec"])
    world.tick(end + timedelta(hours=1))
    world.tick(end + timedelta(hours=25))
    world.tick(end + timedelta(hours=25, minutes=5))
    (reminder,) = reminders(world)
    text = html_to_text(reminder["body"]["content"])
    assert OUTSIDE in text and "move your notes under Notes" in text
    assert links(reminder) == [] and "If it didn't happen" not in text
    assert "If the meeting didn't happen" not in text
    assert world.store.rebooks() == [] and world.offers(MIA) == []
    occ = next(o for o in world.store.pairing_occurrences(rob.pairing.id)
               if o.event_id == event_id)
    assert occ.status == "held_no_notes" and occ.typed_outside
    assert world.store.notes(occ.id) == [], "text outside the lines was read"
    assert world.store.actions(rob.pairing.id) == []


def test_notes_moved_under_notes_after_the_reminder_send_the_summary(
        tmp_path, settings_for) -> None:
    """The manager does what the reminder says: the notes read from between the lines go to
    Rob as the summary, and still no times are offered."""
    world = World(tmp_path, settings_for)
    _rob, event_id, end = _agenda_in(world)
    _typed(world, event_id, "above", ["Rob is doing well, Q1 on track."])
    world.tick(end + timedelta(hours=1))
    world.tick(end + timedelta(hours=25))
    body = world.tenant.person_body(MIA, event_id)
    body = body.replace('<p class="MsoNormal">Rob is doing well, Q1 on track.<o:p></o:p></p>',
                        "")
    body = re.sub(r'(id="onetoone-notes"[^>]*>)',
                  lambda m: m.group(1) + "<p>Rob is doing well, Q1 on track.</p>", body)
    world.tenant.person_edit_body(MIA, event_id, body)
    # (Read at the last re-read at the latest, [agenda] recapture_days after the meeting.)
    later = end + timedelta(days=world.settings.agenda.recapture_days + 3)
    world.tick(later)
    world.tick(later + timedelta(minutes=5))
    summaries = [m for m in world.tenant.messages(ROB)
                 if (m.get("subject") or "").startswith("1-2-1 notes:")]
    assert len(summaries) == 1 and "Q1 on track" in summaries[0]["body"]["content"]
    assert world.store.rebooks() == []


def test_an_invite_saved_again_by_outlook_with_nothing_typed_is_not_text_outside(
        tmp_path, settings_for) -> None:
    """Outlook desktop saving the whole invite again in its own HTML (Word's paragraphs,
    spans, NBSP, CRLF in the source) adds no words: the reminder carries the times, as for
    any meeting with nothing typed."""
    world = World(tmp_path, settings_for)
    rob, event_id, end = _agenda_in(world)
    body = world.tenant.person_body(MIA, event_id)
    resaved = re.sub(r"<p\b[^>]*>", "<p class=MsoNormal><span lang=EN-GB>", body)
    resaved = resaved.replace("</p>", "<o:p></o:p></span></p>").replace(" · ", "&nbsp;·\r\n")
    assert resaved != body
    world.tenant.person_edit_body(MIA, event_id, resaved)
    world.tick(end + timedelta(hours=1))
    world.tick(end + timedelta(hours=25))
    occ = next(o for o in world.store.pairing_occurrences(rob.pairing.id)
               if o.event_id == event_id)
    assert occ.status == "held_no_notes" and not occ.typed_outside
    (reminder,) = reminders(world)
    assert links(reminder) and OUTSIDE not in html_to_text(reminder["body"]["content"])
    (rebook,) = world.store.rebooks()
    assert rebook.reason == "not_held" and rebook.status == "offered"

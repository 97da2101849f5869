"""How the release before read an action line, kept with the action where it read it
otherwise: a meeting read back then, and again now, keeps the actions it recorded."""

from __future__ import annotations

from datetime import date

from service.domain.action_identity import action_fingerprint, recorded_as
from service.domain.agenda import OpenAction
from service.domain.htmltext import html_to_text
from service.domain.notes import parse_block
from tests.unit.test_notes import MANAGER, MEETING, REPORT
from tests.unit.test_notes_mentions import ALEX, SAM, owa

LINES = [
    "Jones: book the course",
    "@Alex: draft the proposal by 20 Dec",
    f"Alex: ask {owa('Sam Smith', SAM)} about the budget",
    f"{owa('Alex Jones', ALEX)}: renew the badge",
    "Sam: send the plan",
    "B. Jones: send the deck",
]


def read(open_actions: list[OpenAction] | None = None) -> list[tuple[str, str, tuple]]:
    html = "<p>Actions agreed</p>" + "".join(f"<p>{line}</p>" for line in LINES)
    parsed = parse_block(html_to_text(html, rows=True, mentions=True), open_actions or [],
                         meeting_date=MEETING, manager_name=MANAGER, report_name=REPORT,
                         emails=(SAM, ALEX))
    return [(a.owner, a.text, a.formerly) for a in parsed.new_actions]


def test_each_action_knows_how_the_release_before_read_its_line() -> None:
    """A family name it took for someone else's, "@Alex" it took for someone called so, a
    mention it followed with "<mailto:…>", an initial it took for a list's label; a
    mention as owner it read as no action, and a line it read the same way, have no
    earlier reading."""
    assert read() == [
        ("Alex Jones", "book the course", (("Jones", "book the course"),)),
        ("Alex Jones", "draft the proposal", (("@Alex", "draft the proposal"),)),
        ("Alex Jones", "ask @Sam Smith about the budget",
         (("Alex Jones", f"ask @Sam Smith<mailto:{SAM}> about the budget"),)),
        ("Alex Jones", "renew the badge", ()),
        ("Sam Smith", "send the plan", ()),
        ("B. Jones", "send the deck", (("Jones", "send the deck"),)),
    ]


def test_an_action_is_recorded_as_the_meeting_holds_it() -> None:
    """As read now, unless the meeting holds it only as read before; a carried action
    recorded the old way, typed again, is that action."""
    due = date(2026, 12, 20)
    now, then = ("Alex Jones", "draft the proposal"), ("@Alex", "draft the proposal")
    fp_now, fp_then = action_fingerprint(*now, due), action_fingerprint(*then, due)
    assert recorded_as(*now, due, (then,), {fp_then}) == (fp_then, *then)
    assert recorded_as(*now, due, (then,), {fp_now, fp_then}) == (fp_now, *now)
    assert recorded_as(*now, due, (then,), set()) == (fp_now, *now)
    carried = OpenAction(9, "Alex Jones", f"ask @Sam Smith<mailto:{SAM}> about the budget",
                         None, date(2026, 12, 1), 1)
    assert "ask @Sam Smith about the budget" not in [text for _o, text, _f in read([carried])]

"""Owning only our block of an event body; HTML-to-text as Exchange does it; fingerprints."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.agenda import AgendaPolicy, OpenAction, Topic, build_agenda
from service.domain.body import (
    END,
    MARKERS,
    START,
    BlockDamaged,
    block_text,
    clean_line,
    find_block,
    fingerprint,
    replace_block,
    strip_bullets,
)
from service.domain.htmltext import html_to_text
from service.domain.questions import Question
from service.render import render

# Shaped like what Graph returns for a Teams meeting created in Outlook (CRLF, meta, style,
# the "me-email" Teams block with its line of underscores).
HEAD = (
    '<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
    '<style type="text/css" style="display:none">\r\n<!--\r\np\r\n\t{margin-top:0;\r\n'
    "\tmargin-bottom:0}\r\n-->\r\n</style>\r\n</head>\r\n<body dir=\"ltr\">\r\n"
)
USER_TEXT = (
    '<div class="elementToProof" style="font-family:Aptos,Calibri,Helvetica,sans-serif;'
    'font-size:12pt;color:rgb(0,0,0)">Room 4.02 if we&#8217;re in&nbsp;the office</div>\r\n'
)
TEAMS = (
    '<div style="max-width:600px; color:#242424">\r\n'
    '<div style="margin-bottom:24px; overflow:hidden; white-space:nowrap">'
    "________________________________________________________________________________</div>\r\n"
    '<div style="margin-bottom:12px"><span style="font-size:24px; font-weight:700">'
    "Microsoft&nbsp;Teams</span>\r\n"
    '<a href="https://aka.ms/JoinTeamsMeeting?omkt=en-GB" id="meet_invite_block.action.help">'
    "Need help?</a> </div>\r\n"
    '<div style="margin-bottom:6px"><a href="https://teams.microsoft.com/l/meetup-join/19%3a'
    'meeting_abc%40thread.v2/0?context=%7b%22Tid%22%3a%22t%22%7d" '
    'id="meet_invite_block.action.join_link" title="Meeting join link">'
    "Join the meeting now</a></div>\r\n"
    '<div style="margin-bottom:6px">Meeting ID: <span>123 456 789 0</span></div>\r\n'
    "</div>\r\n"
)
TAIL = "</body>\r\n</html>\r\n"
BODY_OPEN = HEAD.removesuffix("\r\n")  # ours goes right after <body ...>


def agenda_html(topic: str = "Career plan") -> str:
    agenda = build_agenda(
        meeting_start=datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/London")),
        manager_name="Sam Smith", report_name="Alex Jones",
        topics=[Topic(1, topic, "report", date(2026, 11, 20))],
        open_actions=[OpenAction(5, "Sam Smith", "send the plan", date(2026, 12, 1),
                                 date(2026, 11, 1), 1)],
        meeting_number=3, last_development_on=None, policy=AgendaPolicy(),
        question=Question("q1", "work", "What would make next week a good one?"),
    )
    return render("agenda.html.j2", agenda=agenda, markers=MARKERS)


def exchange_rewrite(block: str) -> str:
    """Roughly what Exchange does to our block on save: CRLF, x_ ids, split spans, &nbsp;."""
    out = block.replace("\r\n", "\n").replace("\n", "\r\n")
    out = re.sub(r' id="', ' id="x_', out)
    out = out.replace("onetoone agenda starts", "onetoone</span><span>&nbsp;agenda starts")
    out = out.replace("<p style=\"margin:0 0 6px 0;font-size:11px;color:#595959;\">",
                      "<p style=\"margin:0 0 6px 0;font-size:11px;color:#595959;\"><span>", 1)
    out = out.replace("please keep this line ──</p>", "please keep this line ──</span></p>", 1)
    out = out.replace("onetoone agenda ends", "onetoone&nbsp;agenda&nbsp;ends")
    return f'<div class="x_WordSection1">{out}</div>'


def test_insert_at_top_keeps_everything_else() -> None:
    """With no block yet, ours goes at the top of <body> and all else is byte-identical."""
    body = HEAD + USER_TEXT + TEAMS + TAIL
    block = agenda_html()
    out = replace_block(body, block)
    assert out == BODY_OPEN + block + "\r\n" + USER_TEXT + TEAMS + TAIL


def test_replace_after_exchange_rewrite_keeps_teams_and_user_text() -> None:
    """An Exchange-mangled block is replaced exactly; the Teams block and typed text stay."""
    before = HEAD + USER_TEXT
    after = "\r\n" + USER_TEXT + TEAMS + TAIL
    body = before + exchange_rewrite(agenda_html("Old topic")) + after
    new_block = agenda_html("New topic")
    out = replace_block(body, new_block)
    assert out == before + new_block + after
    assert "Old topic" not in out


def test_replace_when_our_wrapper_shares_a_div() -> None:
    """If Exchange put other content inside the wrapper, only the sentinel span is replaced."""
    inner = agenda_html("Old")
    wrapper = f"<div>Typed above<br>{inner}<p>Typed below</p></div>"
    body = HEAD + wrapper + TEAMS + TAIL
    out = replace_block(body, agenda_html("New"))
    assert out.startswith(HEAD + "<div>Typed above<br>")
    assert out.endswith("<p>Typed below</p></div>" + TEAMS + TAIL)
    assert "Old" not in out and "New" in out


def test_replace_is_idempotent() -> None:
    """Replacing with the same block twice gives the same body (no nesting, no growth)."""
    block = agenda_html()
    once = replace_block(HEAD + TEAMS + TAIL, block)
    assert replace_block(once, block) == once
    assert replace_block(replace_block(once, agenda_html("x")), block) == once


def test_body_without_body_tag() -> None:
    """iOS-style bodies (a bare <meta> then content) get the block after the meta."""
    body = '<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">' \
           '<div class="x_WordSection1"><p>hello</p></div>'
    out = replace_block(body, agenda_html())
    meta = body[: body.index("<div")]
    assert out.startswith(meta + agenda_html())
    assert out.endswith('<div class="x_WordSection1"><p>hello</p></div>')


def test_empty_body_gets_the_block() -> None:
    """No body at all: the result is our block."""
    assert replace_block(None, agenda_html()) == agenda_html()
    assert replace_block("", agenda_html()) == agenda_html()


def test_half_a_block_is_not_touched() -> None:
    """If a person deleted one sentinel line, replace_block refuses (their text wins)."""
    body = HEAD + agenda_html().replace(END, "I removed this") + TEAMS + TAIL
    with pytest.raises(BlockDamaged):
        replace_block(body, agenda_html())


def test_block_html_must_have_markers() -> None:
    """A block without the sentinels would be re-inserted forever, so it is refused."""
    with pytest.raises(ValueError):
        replace_block(HEAD + TAIL, "<p>agenda</p>")


def test_find_block_ignores_sentinels_in_comments_and_attributes() -> None:
    """Sentinel words inside comments or attributes are not our block."""
    body = f'<html><body><!-- {START} --><div title="{END}">x</div></body></html>'
    assert find_block(body) is None


# -- the text view ----------------------------------------------------------------------------


def test_html_to_text_shapes() -> None:
    """Blocks and <br> break lines, <li> gets a bullet, cells tab, entities decode, CRLF."""
    html = ("<html><head><title>t</title><style>p{}</style></head><body>"
            "<p>One&nbsp;two &amp; three</p><div>four<br>five</div>"
            "<ul><li>six</li><li>seven</li></ul><table><tr><td>a</td><td>b</td></tr></table>"
            "<script>alert(1)</script><p>&nbsp;</p><p>end</p></body></html>")
    assert html_to_text(html) == ("One\u00a0two & three\r\nfour\r\nfive\r\n• six\r\n• seven"
                                  "\r\na\tb\r\n\u00a0\r\nend")


def test_html_to_text_teams_block() -> None:
    """The Teams block reads as the underscores line, the title and the join link."""
    text = html_to_text(HEAD + TEAMS + TAIL)
    lines = text.split("\r\n")
    assert lines[0] == "_" * 80
    assert lines[1].startswith("Microsoft\u00a0Teams")
    assert any(line.startswith("Join the meeting now<https://teams.microsoft.com/")
               for line in lines)


def test_block_text_with_crlf_and_nbsp() -> None:
    """block_text finds sentinels written with NBSP and returns the lines between, as found."""
    text = ("Room 4\r\n── onetoone\u00a0agenda\u00a0starts · please keep this line ──\r\n"
            "Notes\r\n\u00a0\r\nAll good\r\n── onetoone agenda ends · please keep this line ──"
            "\r\n" + "_" * 80 + "\r\nMicrosoft Teams\r\n")
    assert block_text(text) == "Notes\r\n\u00a0\r\nAll good\r\n"


def test_block_text_absent_and_end_deleted() -> None:
    """No sentinel: None. END deleted: up to the Teams separator, so nothing typed is lost."""
    assert block_text("just a meeting\r\n") is None
    text = f"{START}\r\nNotes\r\nkept\r\n{'_' * 80}\r\nMicrosoft Teams\r\n"
    assert block_text(text) == "Notes\r\nkept\r\n"


def test_an_end_line_above_the_start_line_closes_nothing() -> None:
    """An END line before the only START line (a stray copy left at the top) is none of
    ours: the block still runs from START, so the notes under it are read, and the HTML
    block counts as damaged (half of it), never as the region between the two."""
    text = f"{END}\r\n{START}\r\nNotes\r\nkept\r\n"
    assert block_text(text) == "Notes\r\nkept\r\n"
    with pytest.raises(BlockDamaged):
        find_block(HEAD + f"<p>{END}</p><p>{START}</p><p>Notes</p>" + TAIL)


def test_a_minus_sign_is_not_a_bullet_and_invisibles_go() -> None:
    """"-5% on travel" keeps its sign (a dash bullet needs a space after it); zero-width
    characters and soft hyphens Outlook leaves in a line are removed."""
    assert strip_bullets("-5% on travel") == "-5% on travel"
    assert strip_bullets("- 5% on travel") == "5% on travel"
    assert clean_line("\u200bNo\u00adtes\u200d") == "Notes"


def test_block_text_round_trip_through_exchange() -> None:
    """Our block, Exchange-mangled and read back as text, yields the agenda lines."""
    body = HEAD + USER_TEXT + exchange_rewrite(agenda_html()) + "\r\n" + TEAMS + TAIL
    inner = block_text(html_to_text(body))
    assert inner is not None
    assert "Room 4.02" not in inner and "Microsoft" not in inner
    assert "[ ] Sam Smith – send the plan – due 1 Dec 2026 · overdue · carried 1× (#5)" in inner


def test_fingerprint_stable_across_outlook_rewrites() -> None:
    """The fingerprint of what we injected equals the one read back after Exchange's rewrite."""
    ours = fingerprint(block_text(html_to_text(agenda_html())) or "")
    body = HEAD + USER_TEXT + exchange_rewrite(agenda_html()) + TEAMS + TAIL
    theirs = fingerprint(block_text(html_to_text(body)) or "")
    assert ours == theirs


def test_fingerprint_normalises_whitespace_bullets_crlf() -> None:
    """CRLF, NBSP, extra blank lines, spacing and bullets do not change the fingerprint."""
    a = "Notes\r\n\r\n• first  item\r\nsecond\u00a0item\r\n"
    b = "Notes\n- first item\n\n\n   second item"
    assert fingerprint(a) == fingerprint(b)


def test_fingerprint_sees_edits() -> None:
    """A typed word or a ticked box changes the fingerprint."""
    base = "[ ] Sam – send the plan (#5)\r\nNotes\r\n"
    assert fingerprint(base) != fingerprint(base + "Alex is keen\r\n")
    assert fingerprint(base) != fingerprint(base.replace("[ ]", "[x]"))


@given(st.text(max_size=300))
def test_replace_never_loses_outside_text(user: str) -> None:
    """Whatever a person wrote outside our block survives a replace byte-for-byte."""
    from html import escape

    typed = f"<div>{escape(user)}</div>"
    body = HEAD + typed + TEAMS + TAIL
    block = agenda_html()
    once = replace_block(body, block)
    assert once == BODY_OPEN + block + "\r\n" + typed + TEAMS + TAIL
    assert replace_block(once, agenda_html("changed")).endswith(typed + TEAMS + TAIL)


def test_html_to_text_unclosed_head() -> None:
    """An unclosed <head> does not hide the body's text."""
    assert html_to_text("<html><head><meta charset=utf-8><body><p>hi</p></body>") == "hi"


def test_fingerprint_ignores_zero_width_characters() -> None:
    """Zero-width spaces and soft hyphens that editors insert do not count as edits."""
    assert fingerprint("Notes\r\nsend the\u200b plan") == fingerprint("Notes\nsend the plan")
    assert fingerprint("co\u00adordinate") == fingerprint("coordinate")


def test_pathological_markup_stays_fast() -> None:
    """Unterminated quotes and tags still take our block (quadratic handling of them took
    minutes at these sizes; how the time grows: `python benchmarks/text.py`)."""
    for bad in ('<a "' * 20000 + ">", "<" * 50000 + ">", "<div>" * 20000 + "</span>" * 20000):
        assert replace_block(bad, agenda_html()).startswith(agenda_html())

"""Words typed outside our block are noticed by a print of them, never read: Outlook saving
the invite again, Teams writing its join block, or text deleted is not typing."""

from __future__ import annotations

import re

from service.domain.body import MARKERS
from service.domain.htmltext import html_to_text
from service.domain.outside import OutsidePrint, outside_print, typed_outside
from tests.unit.test_notes import AGENDA_HTML

RULE = f'<div style="width:100%"><span style="color:#5F5F5F">{"_" * 80}</span></div>'


def teams(meeting_id: str = "123 456 789 012", link: str = "https://teams.microsoft.com/l/x"
          ) -> str:
    """The join block Exchange appends to a Teams meeting's body, between its two rules."""
    return (f'{RULE}<div><div><span style="font-size:24px">Microsoft Teams meeting</span>'
            '</div><div><b>Join on your computer, mobile app or room device</b></div>'
            f'<a href="{link}">Click here to join the meeting</a><div>Meeting ID: '
            f'{meeting_id}<br>Passcode: AbCdEf</div></div>{RULE}')


INTRO = ("<div><p><b>Your regular 1-2-1</b> &middot; Sam Smith &amp; Alex Jones &middot; "
         "every week, 30 minutes</p><p>This time belongs to Alex: your topics come first."
         "</p></div>")


def body(before: str = "", block: str = AGENDA_HTML, after: str = "",
         join: str | None = None) -> str:
    """An invite as the manager's calendar holds it: our block at the top, the series' note
    and the Teams join block below it."""
    return (f"<html><head></head><body>{before}{block}{INTRO}"
            f"{teams() if join is None else join}{after}</body></html>")


def text(html: str) -> str:
    return html_to_text(html, rows=True)


def written(html: str) -> str:
    """The print stored when the agenda went into ``html``."""
    return str(outside_print(text(html)))


def word(html: str) -> str:
    """Roughly what classic Outlook (Word) writes back when it saves the invite: its own
    paragraphs and spans, NBSP for spaces, curly quotes, CRLF inside the source's text."""
    html = re.sub(r"<p\b[^>]*>", "<p class=MsoNormal><span lang=EN-GB>", html)
    html = html.replace("</p>", "<o:p></o:p></span></p>").replace("'", "’")
    html = html.replace(" &middot; ", "&nbsp;&middot;\r\n").replace("30 minutes", "30&nbsp;minutes")
    return f"<div class=WordSection1>{html}</div>"


def typed(html: str, where: str, words: str) -> str:
    para = f"<p class=MsoNormal>{words}<o:p></o:p></p>"
    if where == "above":
        at = html.rfind("<p", 0, html.index(MARKERS.start))
    else:
        at = html.rindex("</body>")
    return html[:at] + para + html[at:]


def test_notes_typed_above_the_start_line_are_noticed() -> None:
    """Where Outlook's caret lands: the words above our START line are new."""
    then = body()
    assert typed_outside(written(then), text(typed(then, "above", "Alex is doing well.")))


def test_notes_typed_below_the_invite_are_noticed() -> None:
    """Below the Teams join block, at the end of the body, too."""
    then = body()
    assert typed_outside(written(then), text(typed(then, "below", "Went well, Q1 on track")))


def test_notes_typed_between_the_lines_are_not_outside() -> None:
    """Notes typed where they are read change nothing outside the block."""
    then = body()
    now = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + "<p>Went well</p>",
                 then)
    assert now != then and not typed_outside(written(then), text(now))


def test_the_invite_saved_again_by_outlook_is_not_typing() -> None:
    """Word's HTML, NBSP, CRLF, curly quotes and a rewritten join link (Safe Links): the
    same words, the same print."""
    then = body()
    now = word(body(join=teams(link="https://eur01.safelinks.protection.outlook.com/?url=x")))
    assert text(now) != text(then)
    assert outside_print(text(now)) == outside_print(text(then))
    assert not typed_outside(written(then), text(now))


def test_a_teams_block_added_or_written_again_later_is_not_typing() -> None:
    """Exchange adds the join block after the agenda went in, or writes another meeting ID
    into it: not the manager's words."""
    assert not typed_outside(written(body(join="")), text(body()))
    assert not typed_outside(written(body()), text(body(join=teams("987 654 321 000"))))


def test_text_deleted_outside_is_not_typing() -> None:
    """The series' note deleted, or Teams turned off: fewer words, nobody typed."""
    then = body()
    assert not typed_outside(written(then), text(then.replace(INTRO, "")))
    assert not typed_outside(written(then), text(body(join="")))


def test_a_deleted_marker_line_moves_the_block_as_the_read_back_does() -> None:
    """With our END line deleted the block runs to the Teams rule (the series' note is then
    inside it, and notes typed there are read); with the START line deleted it runs from
    the top. Only words outside that block count."""
    then = body()
    no_end = then.replace(MARKERS.end, "")
    assert not typed_outside(written(then), text(no_end.replace(
        INTRO, INTRO + "<p>Went well, notes under the series note</p>")))
    no_start = then.replace(MARKERS.start, "")
    assert no_start != then and no_end != then
    assert typed_outside(written(then), text(typed(no_start, "below", "Went well")))


def test_without_a_print_nothing_is_claimed() -> None:
    """An agenda written before prints were kept (or one not ours) tells nothing."""
    now = text(typed(body(), "above", "Alex is doing well."))
    assert not typed_outside(None, now)
    assert not typed_outside("", now) and not typed_outside("not a print", now)
    assert OutsidePrint.parse("12:abc") is None


def test_the_print_holds_no_words() -> None:
    """Only a count and a hash are stored: none of the words outside the block."""
    stored = written(typed(body(), "above", "Confidential: Alex's promotion case"))
    assert re.fullmatch(r"\d+:[0-9a-f]{64}", stored)
    assert OutsidePrint.parse(stored) == outside_print(
        text(typed(body(), "above", "Confidential: Alex's promotion case")))


def test_an_outlook_mention_outside_the_block_is_no_typing() -> None:
    """The series' note names someone with an Outlook @mention: read back with mentions
    marked (as the notes are), the words outside are the same as when the agenda went in."""
    from service.domain.mentions import as_shown

    mention = ('<p>Ask <a id="OWAAM1F2E" href="mailto:rob@contoso.example">'
               '<span>@Rob Report</span></a> about the plan</p>')
    html = body(after=mention)
    read = as_shown(html_to_text(html, rows=True, mentions=True))
    assert str(outside_print(read)) == written(html)
    assert not typed_outside(written(html), read)
    assert typed_outside(written(html), as_shown(html_to_text(
        typed(html, "above", "We agreed the plan"), rows=True, mentions=True)))

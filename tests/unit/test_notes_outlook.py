"""Notes as Outlook desktop and people really write them: Word's nested list bullets, and
words typed into a carried action's line in front of its marker."""

from __future__ import annotations

import re

from tests.unit.test_notes import AGENDA_HTML, read_back

# Outlook desktop (Word) list paragraphs: the bullet is text in a symbol font, inside
# <![if !supportLists]>, "·" at the first level, "o" at the second, "§" at the third.
WORD_ITEM = ("<p class=MsoListParagraph style='margin-left:{m}in;mso-list:l0 level{n} lfo1'>"
             "<![if !supportLists]><span style='font-family:{font}'>{glyph}<span "
             "style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;&nbsp; </span></span>"
             "<![endif]>{text}<o:p></o:p></p>")
LEVELS = {1: ("Symbol", "·"), 2: ('"Courier New"', "o"), 3: ("Wingdings", "§")}


def word_list(items: list[tuple[int, str]]) -> str:
    return "".join(WORD_ITEM.format(m=0.5 * n, n=n, font=LEVELS[n][0], glyph=LEVELS[n][1],
                                    text=text) for n, text in items)


def typed_word(notes: list[tuple[int, str]], actions: list[tuple[int, str]]) -> str:
    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + word_list(notes),
                  AGENDA_HTML)
    return re.sub(r'(id="onetoone-actions"[^>]*>)',
                  lambda m: m.group(1) + word_list(actions), html)


def test_word_nested_bullets_are_bullets_not_words() -> None:
    """Tab in an Outlook bulleted list makes "o" and "§" bullets: never an owner "o Sam",
    never a note starting "§"."""
    parsed = read_back(typed_word(
        [(1, "Workload is high"), (2, "Alex worried about the Q1 deadline"),
         (3, "needs cover for two weeks")],
        [(1, "Sam: send the Q1 plan by Friday"), (2, "Sam: book the room by 20 Dec"),
         (3, "Alex to ask HR about leave")]))
    assert parsed.notes == ["Workload is high", "Alex worried about the Q1 deadline",
                            "needs cover for two weeks"]
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        ("Sam Smith", "send the Q1 plan"), ("Sam Smith", "book the room"),
        ("Alex Jones", "ask HR about leave")]


def test_words_typed_in_front_of_a_carried_actions_marker_are_kept() -> None:
    """"… blocked by finance, moving to January (#5)": the manager's words are a note of
    that action, not dropped; a date or a count changed on its own is not a note."""
    line = re.search(r"\[ \] Sam Smith – send the Q1 plan[^<(]*", AGENDA_HTML)
    assert line is not None
    said = AGENDA_HTML.replace(line.group(0),
                               line.group(0).rstrip() + " · blocked by finance, moving to "
                               "January ")
    parsed = read_back(said)
    assert parsed.notes == ["(#5) blocked by finance, moving to January"]
    assert 5 not in parsed.closed_ids
    redated = AGENDA_HTML.replace(line.group(0), line.group(0).replace("1 Dec", "15 Jan"))
    assert redated != AGENDA_HTML
    assert read_back(redated).notes == []


def test_a_carried_action_struck_through_in_outlook_is_done() -> None:
    """Outlook's strikethrough (<s>, <del>, or a line-through style) on a carried action
    closes it, and is an edit of the block (an update never writes over it)."""
    from service.domain.body import block_text, fingerprint
    from service.domain.htmltext import html_to_text

    line = re.search(r"\[ \] Alex Jones – get the work done[^<]*", AGENDA_HTML)
    assert line is not None
    for struck in (f"<s>{line.group(0)}</s>", f"<del>{line.group(0)}</del>",
                   f'<span style="text-decoration: line-through">{line.group(0)}</span>'):
        html = AGENDA_HTML.replace(line.group(0), struck)
        parsed = read_back(html)
        assert parsed.closed_ids == {6} and parsed.notes == []
        assert fingerprint(block_text(html_to_text(html)) or "") != fingerprint(
            block_text(html_to_text(AGENDA_HTML)) or "")


def test_an_earlier_agenda_pasted_at_the_top_of_the_block_loses_nothing() -> None:
    """Last meeting's whole invite (its marker lines too) pasted just under our START line:
    this meeting's notes and actions are still read, and the copy adds no actions."""
    from tests.unit.test_notes import agenda_html, typed

    earlier = typed(agenda_html(actions=[]), ["First meeting notes."],
                    ["Alex: book the room by 20 Dec"])
    start = ('<p style="margin:0 0 6px 0;font-size:11px;color:#595959;">── onetoone agenda '
             'starts · please keep this line ──</p>')
    assert start in AGENDA_HTML and start in earlier
    now = typed(AGENDA_HTML, ["Today: good progress."], ["Sam: draft the Q1 budget by 29 Jan"])
    end = ('<p style="margin:6px 0 0 0;font-size:11px;color:#595959;">── onetoone agenda '
           'ends · please keep this line ──</p>')
    assert end in now
    at_top = now.replace(start, start + earlier, 1)
    # And a second copy pasted as the last thing before our END line.
    twice = at_top[:at_top.rfind(end)] + earlier + at_top[at_top.rfind(end):]
    for pasted in (at_top, twice):
        parsed = read_back(pasted)
        assert "Today: good progress." in parsed.notes
        assert [(a.owner, a.text) for a in parsed.new_actions] == [
            ("Sam Smith", "draft the Q1 budget")]


def test_struck_or_bulleted_text_never_swallows_the_rest_of_a_body() -> None:
    """A Word bullet without its endif ends at the paragraph; a strike spanning paragraphs
    marks each struck line, and ends with its element."""
    from service.domain.htmltext import html_to_text

    assert html_to_text("<p><![if !supportLists]>·<p>Notes</p><p>END</p>").split("\r\n") == [
        "•", "Notes", "END"]
    assert html_to_text("<s><p>a</p><p>b</p></s><p>c</p>").split("\r\n") == [
        "~~a~~", "~~b~~", "c"]
    assert html_to_text('<div style="text-decoration: line-through"><p>a</p><ul><li>b</li>'
                        "</ul></div><p>c</p>").split("\r\n") == ["~~a~~", "• ~~b~~", "c"]


def test_a_new_action_ticked_with_an_emoji_keeps_its_owner() -> None:
    """The emoji panel (Windows' Win+., iOS, Android) types "☑️" and "✔️" as the glyph and
    U+FE0F: the action is still agreed and done, owned by one of the pair ("Sam" is Sam
    Smith, "I'll" the manager), never by "️ Sam", and never lost as a note."""
    parsed = read_back(typed_word([], [
        (1, "\u2714\ufe0f Sam: send the Q1 plan by Friday"),
        (1, "\u2611\ufe0f Alex to book the course by 12 Dec"),
        (1, "\u2714\ufe0f I'll share the slides"),
        (1, "\u25aa\ufe0f Alex: draft the proposal")]))
    assert parsed.notes == []
    assert [(a.owner, a.text, a.done) for a in parsed.new_actions] == [
        ("Sam Smith", "send the Q1 plan", True), ("Alex Jones", "book the course", True),
        ("Sam Smith", "share the slides", True), ("Alex Jones", "draft the proposal", False)]


# Outlook desktop's symbols are letters in a symbol font, as Word writes them: AutoCorrect
# types ":)" as a Wingdings "J" and "-->" as "à"; Insert > Symbol's check mark is a Wingdings
# "ü", a ticked box "þ" (Wingdings 2: "P" and "R").
def symbol(letter: str, font: str = "Wingdings") -> str:
    return (f"<span style='font-family:{font};mso-ascii-font-family:Calibri;mso-hansi-font-"
            f"family:Calibri;mso-char-type:symbol;mso-symbol-font-family:\n{font}'><span "
            f"style='mso-char-type:symbol;mso-symbol-font-family:{font}'>{letter}</span></span>")


def test_outlook_symbol_font_ticks_and_smileys_read_as_what_they_show() -> None:
    """A carried action ticked with Insert > Symbol's check mark (in its box, or a ticked box
    in place of it) is done; an action typed after a ticked box keeps its owner and is done;
    a note's AutoCorrect smiley and arrow reach the report's summary as ☺ and →, not as
    "J" and "à"."""
    from tests.unit.test_notes import typed

    alex = re.search(r"\[ \] Alex Jones – get the work done[^<]*", AGENDA_HTML)
    sam = re.search(r"\[ \] Sam Smith – send the Q1 plan[^<]*", AGENDA_HTML)
    assert alex is not None and sam is not None
    html = (AGENDA_HTML.replace(alex.group(0), f"[{symbol('ü')}]{alex.group(0)[3:]}")
            .replace(sam.group(0), symbol("R", "Wingdings 2") + sam.group(0)[3:]))
    html = typed(html, ["NOTE"], ["ACTION"])
    html = html.replace("NOTE", f"Great quarter {symbol('J')} budget {symbol('à')} finance")
    html = html.replace("ACTION", f"{symbol('þ')} Sam: send the deck by Friday")
    parsed = read_back(html)
    assert parsed.closed_ids == {5, 6}
    assert parsed.notes == ["Great quarter ☺ budget → finance"]
    assert [(a.owner, a.text, a.done) for a in parsed.new_actions] == [
        ("Sam Smith", "send the deck", True)]


def test_only_symbol_font_letters_are_translated() -> None:
    """Exchange's HTML of an RTF body names the font with <font face>; Word may store the
    letter as its private-use code; a letter in an ordinary font (inside a symbol-font
    span, or beside one) stays the letter."""
    from service.domain.htmltext import html_to_text

    assert html_to_text('<p>Thanks <font face="Wingdings">J</font></p>') == "Thanks ☺"
    assert html_to_text('<p><span style="font-family:Wingdings">\uf0fc</span> Jo</p>') == "✓ Jo"
    assert html_to_text("<p style=\"font-family:'Segoe UI'\">Jo: <span style='font-family:"
                        "Wingdings'><span style='font-family:Calibri'>Jan</span></span> "
                        "J</p>") == "Jo: Jan J"


# An Outlook desktop (Word) numbered list: the label is text for readers without lists.
NUMBERED = ("<p class=MsoListParagraph style='text-indent:-.25in;mso-list:l1 level1 lfo2'>"
            "<![if !supportLists]><span style='mso-list:Ignore'>{label}<span style='font:7.0pt"
            " \"Times New Roman\"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp; </span></span><![endif]>"
            "{text}<o:p></o:p></p>")


def test_word_numbered_list_keeps_its_numbers() -> None:
    """Options numbered in the Notes keep their numbers, so "We chose 2." still says which
    (the summary and the record show what the manager saw); numbered actions are still
    actions, owned by who they name."""
    notes = "".join(NUMBERED.format(label=label, text=text) for label, text in [
        ("1.", "Stay in the Leeds team"), ("2.", "Move to the platform team"),
        ("a)", "after the Q1 release")]) + "<p class=MsoNormal>We chose 2.<o:p></o:p></p>"
    actions = "".join(NUMBERED.format(label=label, text=text) for label, text in [
        ("1.", "Sam: send the Q1 plan by Friday"), ("2.", "Alex to book the flights")])
    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + notes, AGENDA_HTML)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + actions, html)
    parsed = read_back(html)
    assert parsed.notes == ["1. Stay in the Leeds team", "2. Move to the platform team",
                            "a) after the Q1 release", "We chose 2."]
    # (Not a carried action's words: "Alex to book the course" is carried #7 typed again.)
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        ("Sam Smith", "send the Q1 plan"), ("Alex Jones", "book the flights")]

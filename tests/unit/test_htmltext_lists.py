"""Lists as Outlook on the web, the new Outlook and Outlook for Mac write them (``<ol>``,
``<ul>``, each item's text often in a paragraph of its own): a numbered list's items keep
their numbers, as classic Outlook's (Word's) already do."""

from __future__ import annotations

import re

from service.domain.body import END, START
from service.domain.htmltext import html_to_text
from service.domain.notes import parse_block
from tests.unit.test_notes import AGENDA_HTML, MANAGER, MEETING, REPORT, read_back

OWA_ITEM = '<li><div role="presentation" class="elementToProof">{}</div></li>'


def owa_list(tag: str, items: list[str], attrs: str = "") -> str:
    return f"<{tag}{attrs}>" + "".join(OWA_ITEM.format(item) for item in items) + f"</{tag}>"


def test_numbered_items_keep_their_numbers_in_the_notes() -> None:
    """Options numbered in OWA keep their numbers, so "We chose 2." still says which; a
    numbered action ("ii. Alex to …" too) is still an action of who it names."""
    notes = ('<div class="elementToProof">Options:</div>'
             + owa_list("ol", ["Stay in Leeds", "Move to platform"])
             + '<div class="elementToProof">We chose 2.</div>')
    actions = owa_list("ol", ["Sam: send the Q1 plan by Friday", "Alex to book the flights"],
                       ' type="i"')
    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + notes, AGENDA_HTML)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + actions, html)
    parsed = read_back(html)
    assert parsed.notes == ["Options:", "1. Stay in Leeds", "2. Move to platform",
                            "We chose 2."]
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        ("Sam Smith", "send the Q1 plan"), ("Alex Jones", "book the flights")]


def test_a_lists_start_type_and_values_number_its_items() -> None:
    """``start`` and ``type`` (1, a, A, i, I) as a browser shows them, ``value`` setting
    an item's number and those after it; a bulleted list inside keeps its bullets."""
    html = (owa_list("ol", ["three", "four"], ' start="3" type="i"')
            + owa_list("ol", ["a1", "a2"], ' type="A"')
            + '<ol><li>one<ul><li>inner</li></ul></li><li value="7">seven</li><li>eight</li>'
            '</ol><ol start="x" type="z"><li>plain</li></ol>')
    assert html_to_text(html, rows=True).split("\r\n") == [
        "iii. three", "iv. four", "A. a1", "B. a2", "1. one", "• inner", "7. seven",
        "8. eight", "1. plain"]


def test_an_empty_item_leaves_no_number_behind() -> None:
    """An item with nothing in it is no line, and never runs into the text after it."""
    html = "<ol><li></li><li><div></div></li></ol><div>After</div><ul><li></li></ul><p>x</p>"
    assert html_to_text(html, rows=True).split("\r\n") == ["After", "x"]


def test_word_paragraphs_inside_an_item_get_one_label() -> None:
    """Outlook desktop's list paragraph inside an ``<li>``: Word's number, once; its bullet
    glyph adds nothing to the item's own label."""
    word = ("<p class=MsoListParagraph><![if !supportLists]><span>{}<span>&nbsp;&nbsp; "
            "</span></span><![endif]>{}<o:p></o:p></p>")
    html = (f"<ol><li>{word.format('2.', 'second')}</li></ol>"
            f"<ul><li>{word.format('·', 'dot')}</li></ul>")
    assert html_to_text(html, rows=True).split("\r\n") == ["2. second", "• dot"]


def test_a_template_numbering_its_lines_stays_the_agendas() -> None:
    """An organisation's template that numbers its prompts (``<ol>``), written into an invite
    while list items were bullets in the text: its lines, now numbered, are still the
    agenda's, never the manager's notes."""
    template = f"{START}\nNotes\n• Anything else?\n• Who else needs to know?\n{END}\n"
    body = (f"{START}\nNotes\n1. Anything else?\n2. Who else needs to know?\n"
            f"Workload high.\n{END}\n")
    parsed = parse_block(body, [], meeting_date=MEETING, manager_name=MANAGER,
                         report_name=REPORT, template=template)
    assert parsed.notes == ["Workload high."]

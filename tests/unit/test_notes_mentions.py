"""Outlook's @mentions in the notes: the name as shown, never "<mailto:…>" after it, and
the person picked owning an action; text typed by anyone can never pass for a mention."""

from __future__ import annotations

import re

from service.domain.body import block_text
from service.domain.htmltext import html_to_text
from service.domain.mentions import LineMentions, Mention, split_line
from service.domain.notes import ParsedNotes, parse_block
from tests.unit.test_notes import AGENDA_HTML, MANAGER, MEETING, OPEN, REPORT

# As Outlook desktop (Word) writes a mention: the name "Last, First" as the address book
# has it, in a span; and as OWA and the new Outlook do.
WORD = ('<a id="OWAAM29C89DAFD5E14DD4AF1FCC5361A59632" href="mailto:{mail}">'
        '<span style="text-decoration:none">@{name}</span></a>')
OWA = ('<a href="mailto:{mail}" id="OWAAM957748" class="tWKOu mention ms-bgc-nlr ms-fcl-b">'
       '@{name}</a>')
SAM, ALEX = "sam.smith@contoso.com", "alex.jones@contoso.com"


def word(name: str, mail: str) -> str:
    return WORD.format(name=name, mail=mail)


def owa(name: str, mail: str) -> str:
    return OWA.format(name=name, mail=mail)


def typed(notes: list[str], actions: list[str]) -> ParsedNotes:
    """Paragraphs (HTML) typed into the agenda, read as capture reads them."""
    def paras(lines: list[str]) -> str:
        return "".join(f'<p class="MsoNormal">{line}<o:p></o:p></p>' for line in lines)

    html = re.sub(r'(id="onetoone-notes"[^>]*>)', lambda m: m.group(1) + paras(notes),
                  AGENDA_HTML)
    html = re.sub(r'(id="onetoone-actions"[^>]*>)', lambda m: m.group(1) + paras(actions),
                  html)
    text = block_text(html_to_text(f"<html><body>{html}</body></html>", rows=True,
                                   mentions=True))
    assert text is not None
    return parse_block(text, OPEN, meeting_date=MEETING, manager_name=MANAGER,
                       report_name=REPORT, emails=(SAM, ALEX.upper()))


def test_a_mention_reads_as_the_name_shown() -> None:
    """Both Outlooks' markup: the name, with no "<mailto:…>" (other links keep theirs)."""
    html = (f"<p>{word('Jones, Alex', ALEX)} and {owa('Sam', SAM)} read "
            f'<a href="https://x.example/doc">the doc</a>; mail <a href="mailto:{SAM}">Sam'
            "</a></p>")
    expected = f"@Jones, Alex and @Sam read the doc<https://x.example/doc>; mail Sam<mailto:{SAM}>"
    assert html_to_text(html) == expected
    assert split_line(html_to_text(html, mentions=True))[0] == expected


def test_the_person_a_mention_picks_owns_the_action() -> None:
    """The mention's address decides: "@Jones, Alex" as Outlook desktop shows him, "@A"
    shortened, after the task too; one of someone else's address is someone else, even
    shown as the report's first name; "@Alex" typed, the picker dismissed, is Alex."""
    parsed = typed(
        [f"Talked with {owa('Alex Jones', ALEX)} about Q1"],
        [f"{word('Jones, Alex', ALEX)} to send the deck by Friday",
         f"{owa('A', ALEX)}: book the flights",
         f"Send the report – {owa('Sam', SAM)}",
         f"{owa('Alex', 'alex.brown@contoso.com')}: check the numbers",
         "@Alex: draft the proposal"])
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        ("Alex Jones", "send the deck"), ("Alex Jones", "book the flights"),
        ("Sam Smith", "Send the report"), ("Alex", "check the numbers"),
        ("Alex Jones", "draft the proposal")]
    assert parsed.notes == ["Talked with @Alex Jones about Q1"]


def rob_pair(lines: str) -> ParsedNotes:
    """Two Robs: only a full name, or a mention, tells them apart."""
    text = html_to_text(f"<p>Actions agreed</p>{lines}", rows=True, mentions=True)
    return parse_block(text, [], meeting_date=MEETING, manager_name="Rob Smith",
                       report_name="Rob Jones",
                       emails=("rob.smith@contoso.com", "rob.jones@contoso.com"))


def test_typed_text_never_claims_a_mentions_address() -> None:
    """A mention of the report names him where his first name cannot; "@Rob" typed, a
    "<mailto:…>" typed after it, the marks a mention is carried with typed as characters,
    or "@Rob" typed on a line that also mentions him: none of these is him."""
    mention = owa("Rob", "rob.jones@contoso.com")
    assert [(a.owner, a.text) for a in rob_pair(f"<p>{mention}: send the plan</p>")
            .new_actions] == [("Rob Jones", "send the plan")]
    hostile = [
        "<p>@Rob: send the plan</p>",
        "<p>@Rob&lt;mailto:rob.jones@contoso.com&gt;: send the plan</p>",
        "<p>&#xE0A0;mailto:rob.jones@contoso.com&#xE0A1;@Rob&#xE0A2;: send the plan</p>",
        f"<p>@Rob: send the plan to {mention}</p>",
    ]
    for line in hostile:
        parsed = rob_pair(line)
        assert "Rob Jones" not in [a.owner for a in parsed.new_actions], line
        assert not any("\ue0a0" in n or "\ue0a2" in n for n in parsed.notes)


def test_a_mention_is_known_on_its_own_line_only() -> None:
    """The words must be the whole of a mention on that line, every time they stand there
    (a longer mention holding them aside): a typed copy of them makes them nobody's."""
    rob = Mention(shown="@Rob", href="mailto:Rob.Jones@contoso.com")
    smith = Mention(shown="@Rob Smith", href="mailto:rob.smith@contoso.com")
    line = LineMentions("@Rob: ask @Rob Smith", (rob, smith))
    assert line.address("@Rob") == "rob.jones@contoso.com"
    assert line.address("@Rob Smith") == "rob.smith@contoso.com"
    assert line.address("Rob") is None and line.address("@Rob: ask") is None
    assert LineMentions("@Rob: ask @Rob Smith", (rob,)).address("@Rob") is None  # typed
    assert LineMentions("@Rob: tell @Rob", (rob,)).address("@Rob") is None
    assert LineMentions("@Rob: tell @Rob", (rob, rob)).address("@Rob") == (
        "rob.jones@contoso.com")
    assert LineMentions("@Rob: send it", ()).address("@Rob") is None


def test_a_mention_of_an_alias_names_the_person_it_belongs_to() -> None:
    """Exchange gives a person several addresses and the people picker writes whichever
    it found: a mention of the report's alias (in any case) or of the manager's UPN names
    them, under any name it shows; two Robs still told apart by their addresses."""
    text = html_to_text(
        "<p>Actions agreed</p>"
        f"<p>{word('Jones, Rob', 'RJ@Fabrikam.example')} to send the plan</p>"
        f"<p>{owa('Rob', 'rob.smith@contoso.onmicrosoft.com')}: book the room</p>"
        f"<p>{owa('Rob', 'rob@elsewhere.example')}: check the numbers</p>",
        rows=True, mentions=True)
    parsed = parse_block(text, [], meeting_date=MEETING, manager_name="Rob Smith",
                         report_name="Rob Jones",
                         emails=(("rob.smith@contoso.com", "rob.smith@contoso.onmicrosoft.com"),
                                 ("rob.jones@contoso.com", "rj@fabrikam.example")))
    assert [(a.owner, a.text) for a in parsed.new_actions] == [
        ("Rob Jones", "send the plan"), ("Rob Smith", "book the room"),
        ("Rob", "check the numbers")]

"""A reply written below the quote in an HTML mail (Thunderbird's default, Apple Mail,
Gmail with the quote expanded) keeps what is below it; a reply written above the quote
still drops the quoted history; Outlook's header block quotes nothing, so what is below it
is never taken. Bodies shaped as each client writes them."""

from __future__ import annotations

import html

import pytest

from service.domain.body import END, START
from service.domain.mail_reply import new_text
from service.domain.topic_lines import topic_lines

PREP = ("<div>Hi Rob,</div><div>Our 1-2-1 is on Tuesday 1 December at 10:00. What would you "
        "like to talk about?</div><div>Mia</div>")
TOPICS = "Workload in December\nThe team lead role"


def _html(text: str) -> str:
    return "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))


def thunderbird(above: str, below: str) -> str:
    return ('<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8">'
            f'</head><body>{_html(above) if above else ""}\n'
            '<div class="moz-cite-prefix">On 26/11/2026 09:00, Mia Manager wrote:<br>\n</div>\n'
            '<blockquote type="cite" cite="mid:AM0PR01MB1234@AM0PR01MB1234.eurprd01.prod">\n'
            f'{PREP}<blockquote type="cite">an older quote</blockquote>\n</blockquote>\n'
            f'{_html(below) if below else ""}<pre class="moz-signature" cols="72">-- \n'
            'Rob Report\nEngineer</pre>\n</body>\n</html>\n')


def apple_mac(above: str, below: str) -> str:
    return ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">'
            '</head><body style="overflow-wrap: break-word;">'
            f'{_html(above) if above else ""}<div><br><blockquote type="cite"><div>On 26 Nov '
            '2026, at 09:00, Mia Manager &lt;mia@contoso.example&gt; wrote:</div><br '
            f'class="Apple-interchange-newline"><div>{PREP}</div></blockquote></div><br>'
            f'{_html(below) if below else ""}</body></html>')


def apple_ios(above: str, below: str) -> str:
    # iOS Mail quotes its attribution in a blockquote of its own, then the mail in another.
    return ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">'
            f'</head><body dir="auto"><div dir="ltr">{_html(above) if above else ""}</div>'
            '<div dir="ltr"><br><blockquote type="cite">On 26 Nov 2026, at 09:00, Mia Manager '
            '&lt;mia@contoso.example&gt; wrote:<br><br></blockquote></div>'
            f'<blockquote type="cite"><div dir="ltr">\u200b{PREP}</div></blockquote>'
            f'<div dir="ltr">{_html(below) if below else ""}</div></body></html>')


def gmail(above: str, below: str) -> str:
    return (f'<div dir="ltr">{_html(above) if above else "<br>"}</div><br>'
            '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
            'On Thu, 26 Nov 2026 at 09:00, Mia Manager &lt;<a href="mailto:mia@contoso.example">'
            'mia@contoso.example</a>&gt; wrote:<br></div><blockquote class="gmail_quote" '
            'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
            f'padding-left:1ex">{PREP}</blockquote>{_html(below) if below else ""}</div>'
            '<div><br clear="all"></div><div><br></div><span class="gmail_signature_prefix">-- '
            '</span><br><div dir="ltr" class="gmail_signature">Rob Report<br>Engineer</div>')


def outlook(above: str) -> str:
    return ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '</head><body><div style="font-family: Aptos, sans-serif; font-size: 12pt;">'
            f'{_html(above) if above else "<br>"}</div><div id="appendonsend"></div>'
            '<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" '
            'dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt"><b>From:</b> '
            'Mia Manager &lt;mia@contoso.example&gt;<br><b>Sent:</b> Thursday, 26 November '
            '2026 09:00<br><b>To:</b> Rob Report &lt;rob@contoso.example&gt;<br><b>Subject:</b>'
            f' Your 1-2-1 on Tuesday</font><div>&nbsp;</div></div>{PREP}'
            f'<div>{_html(TOPICS)}</div></body></html>')


CLIENTS = [thunderbird, apple_mac, apple_ios, gmail]


@pytest.mark.parametrize("client", CLIENTS)
def test_a_reply_written_below_the_quote_keeps_what_is_below_it(client) -> None:
    body = client("", TOPICS)
    assert new_text(body, html=True, sender_name="Rob Report") == TOPICS
    assert topic_lines(new_text(body, html=True)).topics == tuple(TOPICS.split("\n"))


@pytest.mark.parametrize("client", CLIENTS)
def test_a_reply_written_above_the_quote_still_drops_the_history(client) -> None:
    body = client(TOPICS, "")
    assert new_text(body, html=True, sender_name="Rob Report") == TOPICS
    # Nothing written at all: the quote is never taken for what the report wrote.
    assert new_text(client("", ""), html=True, sender_name="Rob Report") == ""


def test_outlooks_header_block_quotes_nothing() -> None:
    """Outlook writes above its divider; what is below the header block is the history,
    even with nothing above it (the lines there are the mail answered)."""
    assert new_text(outlook(TOPICS), html=True) == TOPICS
    assert new_text(outlook(""), html=True) == ""


def test_an_unclosed_or_distant_quote_gives_nothing_below() -> None:
    """A quote that never closes quotes the rest of the mail; a Gmail divider with no quote
    near it (more than an attribution between) is no quote to write below."""
    assert new_text('<blockquote type="cite">Hi Rob<div>Workload</div>', html=True) == ""
    far = ('<div class="gmail_quote">' + "<div>line</div>" * 5
           + "<blockquote>quoted</blockquote><div>Workload</div></div>")
    assert new_text(far, html=True) == ""


@pytest.mark.parametrize("client", CLIENTS)
def test_hostile_text_below_the_quote_stays_text(client) -> None:
    """Markup typed as text (a closing blockquote too), our own marker lines and odd code
    points written below the quote are kept as written (but a bidi override, which the edge
    drops from any text), and nothing raises."""
    hostile = (f"</blockquote><script>alert('x')</script> &amp;\n{START}\n{END}\n"
               "Budget (#1) done? \u202e\U0001f600 \u4e2d\ufffd\U0010ffff")
    assert new_text(client("", hostile), html=True) == hostile.replace("\u202e", "")
    raw = client("", "Workload").replace("Workload", "<div class=\"gmail_quote\">")
    assert isinstance(new_text(raw, html=True), str)


ANSWERS = "Workload: still too much\nThe team lead role: yes please\nTraining budget"


def _interleaved(quote: str, answers: str) -> str:
    """Each answer below a quote of the question it answers."""
    questions = ["How is your workload?", "Still keen on the lead role?", "Anything else?"]
    return "".join(quote.format(html.escape(q)) + _html(a)
                   for q, a in zip(questions, answers.split("\n"), strict=True))


INTERLEAVED = {
    "thunderbird": lambda intro: (
        f'<html><body>{_html(intro) if intro else ""}<div class="moz-cite-prefix">On '
        '26/11/2026 09:00, Mia Manager wrote:<br></div>'
        + _interleaved('<blockquote type="cite"><div>{}</div></blockquote>\n', ANSWERS)
        + '<pre class="moz-signature" cols="72">-- \nRob Report</pre></body></html>'),
    "apple": lambda intro: (
        f'<html><body>{_html(intro) if intro else ""}<div><br><blockquote type="cite"><div>'
        'On 26 Nov 2026, at 09:00, Mia Manager &lt;mia@contoso.example&gt; wrote:</div>'
        '</blockquote>'
        + _interleaved('<blockquote type="cite"><div>{}</div></blockquote>', ANSWERS)
        + '</div></body></html>'),
    "gmail": lambda intro: (
        f'<div dir="ltr">{_html(intro) if intro else "<br>"}</div><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Thu, 26 Nov 2026 at 09:00, Mia Manager '
        '&lt;mia@contoso.example&gt; wrote:<br></div>'
        + _interleaved('<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">'
                       '{}</blockquote>', ANSWERS)
        + '</div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" '
        'class="gmail_signature">Rob Report</div>'),
}


@pytest.mark.parametrize("client", sorted(INTERLEAVED))
def test_answers_written_between_quotes_are_all_kept(client: str) -> None:
    """A reply answering the mail point by point, below each quoted question: every answer
    is kept (the questions and the signature are not), with or without a line above."""
    body = INTERLEAVED[client]("")
    assert new_text(body, html=True, sender_name="Rob Report") == ANSWERS
    intro = new_text(INTERLEAVED[client]("Answers below"), html=True, sender_name="Rob Report")
    assert [line for line in intro.split("\n") if line] == ["Answers below", *ANSWERS.split("\n")]

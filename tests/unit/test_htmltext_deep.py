"""The HTML-to-text reading keeps its answers for markup that never closes, nests deep or
ends in a tag left open (its cost is measured by benchmarks/text.py, linear in the size):
the open-element counts it keeps agree with the stack they replace, and a tail after the
last ">" reads as the text it is."""

from __future__ import annotations

import pytest

from service.domain.htmltext import html_to_text


@pytest.mark.parametrize(("html", "text"), [
    ("<div <div x", "<div <div x"),
    ("<p>a</p><div b &amp; c <x", "a\r\n<div b & c <x"),
    ("<p>x</p> & y < z <!-- c", "x\r\n& y < z <!-- c"),
    ("x <3 y", "x <3 y"),
    ("<s>a<p>b</p></s>c", "~~a~~\r\n~~b~~\r\nc"),
    ("<p>one<div>two</div>three</p>", "one\r\ntwo\r\nthree"),
    ("<s><s>a</s>b</s>c", "~~ab~~c"),
    ("<table><tr><td>a<td>b<tr><td>c</table>after", "a\tb\r\nc\r\nafter"),
    ("<del>x<p>y</del>z</p>", "~~x~~\r\n~~y~~z"),
    ("<p>a<s>b<p>c</s>d", "a~~b~~\r\ncd"),
])
def test_odd_markup_reads_as_before(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_a_deep_nest_keeps_its_strike_and_paragraphs() -> None:
    """Thousands of elements left open: text inside a strike many levels down is struck,
    and closing the strike ends it."""
    depth = 5000
    html = "<s>" + "<span>" * depth + "gone" + "</span>" * depth + "</s> kept"
    assert html_to_text(html) == "~~gone~~ kept"
    assert html_to_text("<div>" * depth + "<p>a<div>b") == "a\r\nb"

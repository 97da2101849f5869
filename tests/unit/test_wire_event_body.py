"""An event's body is HTML to onetoone whatever Graph sends: a body saved as plain text (by
another client) is escaped, so what a person typed there stays text, never markup."""

from __future__ import annotations

from service.domain.htmltext import html_to_text
from service.graph.wire import calendar_event


def test_a_plain_text_body_reads_as_the_text_typed() -> None:
    typed = "Notes\r\n<b>1 < 2 & 3</b>\r\n&amp; <script>x</script>\rlast line"
    event = calendar_event({"id": "e", "body": {"contentType": "text", "content": typed}})
    assert [line.strip() for line in html_to_text(event.body).splitlines()] == [
        "Notes", "<b>1 < 2 & 3</b>", "&amp; <script>x</script>", "last line"]
    assert "<b>" not in event.body and "<script>" not in event.body


def test_an_html_body_is_kept_as_sent() -> None:
    content = '<html><body><p>Hi &amp; <b>bold</b></p></body></html>'
    for kind in ("html", "HTML", None):
        body = {"content": content} if kind is None else {"contentType": kind,
                                                          "content": content}
        assert calendar_event({"id": "e", "body": body}).body == content
    assert calendar_event({"id": "e"}).body == ""

"""Message and event bodies as Exchange keeps and renders them (HTML <-> text, previews)."""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

# A run of block-level tags is one line break; each <br> is one more.
_BLOCK = re.compile(
    r"(?:\s*</?(?:p|div|tr|li|ul|ol|h[1-6]|table|tbody|blockquote|hr|pre)\b[^>]*>\s*)+", re.I)
_BREAK = re.compile(r"<br\b[^>]*>", re.I)
_DROP = re.compile(r"<(head|style|script|title)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_LINK = re.compile(r"<a\b[^>]*\bhref\s*=\s*[\"']([^\"']*)[\"'][^>]*>(.*?)</a\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """Text as Exchange renders an HTML body for ``outlook.body-content-type="text"``.

    Block elements become line breaks, links become ``text<url>``, entities are decoded
    (``&nbsp;`` to U+00A0, as Exchange keeps it), and runs of blank lines collapse.
    """
    text = _DROP.sub("", content)
    text = re.sub(r"\s*\n\s*", " ", text)  # source line breaks are not text line breaks
    # Markers keep the "<url>" Exchange writes after a link from being stripped as a tag.
    text = _LINK.sub(lambda m: f"{m.group(2)}\x01{m.group(1)}\x02", text)
    text = _BREAK.sub("\n", _BLOCK.sub("\n", text))
    text = _TAG.sub("", text)
    text = html.unescape(text).replace("\x01", "<").replace("\x02", ">")
    lines = [line.rstrip(" ") for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def text_to_html(text: str) -> str:
    """An HTML body for a text one (Exchange stores event bodies as HTML)."""
    lines = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))
    return f"<html><head></head><body>{lines}</body></html>"


def plain_text_html(text: str) -> str:
    """A plain-text message's body as Exchange returns it as HTML: the text escaped in its
    ``PlainText`` div, each line ending in ``<br>`` (no ``>`` quote becomes markup)."""
    lines = "".join(f"{html.escape(line, quote=False)}<br>\r\n"
                    for line in text.replace("\r\n", "\n").split("\n"))
    return ('<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; '
            'charset=utf-8">\r\n</head>\r\n<body>\r\n<font size="2"><span style="font-size:'
            f'11pt;"><div class="PlainText">{lines}</div></span></font>\r\n</body>\r\n'
            '</html>\r\n')


@lru_cache(maxsize=16)  # an event's preview, then its invitation's, from the same body
def preview(content: str, content_type: str) -> str:
    """Graph's ``bodyPreview``: the first 255 characters of the text."""
    text = html_to_text(content) if content_type.lower() == "html" else content
    return re.sub(r"\s+", " ", text).strip()[:255]


def store_body(body: Any) -> dict[str, str]:
    """Event bodies are kept as HTML, like Exchange keeps them."""
    if not isinstance(body, dict):
        return {"contentType": "html", "content": ""}
    content = body.get("content") or ""
    if (body.get("contentType") or "text").lower() == "text":
        return {"contentType": "html", "content": text_to_html(content) if content else ""}
    return {"contentType": "html", "content": content}

"""The part of an HTML mail its sender wrote, by the dividers mail clients write: what is
above the first reply divider or signature block, and what follows each quote such a
divider opens: a reply written below the quote (Thunderbird's default, Apple Mail, Gmail
with the quote expanded) or between quotes, answering point by point.
Pure: the body is the argument; what is left is still HTML (``htmltext`` makes it text).

Dividers: Outlook/OWA ``id="divRplyFwdMsg"`` (and ``appendonsend``, the new Outlook's
``mail-editor-reference-message-container``, Outlook desktop's bordered header block),
Gmail ``class="gmail_quote"``, Apple/iOS ``<blockquote type="cite">``, Thunderbird
``moz-cite-prefix``, Yahoo ``yahoo_quoted``; signature blocks (OWA ``id="Signature"``,
Outlook mobile ``ms-outlook-mobile-signature``, ``gmail_signature``, ``moz-signature``).
"""

from __future__ import annotations

import re

from service.domain.htmltext import html_to_text

# A tag's attribute runs stop at the next "<" (no tag a mail client writes has one inside
# it): unbounded, a mail of thousands of unclosed "<div " made each try scan to the end of
# the body (quadratic: seconds per mail); so each try reads only its own tag.
_HTML_CUT = re.compile(
    r"<div\b[^<>]*\bid\s*=\s*[\"']?(?:x_)?(?:divRplyFwdMsg|appendonsend|Signature"
    r"|mail-editor-reference-message-container|ms-outlook-mobile-signature)\b"
    r"|<(?:div|span|blockquote)\b[^<>]*\bclass\s*=\s*[\"']?[^\"'<>]*\b(?:gmail_quote"
    r"|gmail_attr|gmail_signature|yahoo_quoted|moz-cite-prefix|moz-signature"
    r"|OutlookMessageHeader)\b"
    r"|<blockquote\b[^<>]*\btype\s*=\s*[\"']?cite\b"
    r"|<hr\b[^<>]*\bid\s*=\s*[\"']?stopSpelling\b"
    r"|<div\b[^<>]*\bstyle\s*=\s*[\"'][^\"'<>]*border-top\s*:\s*solid\s+#(?:E1E1E1|B5C4DF)",
    re.I)
# The dividers that open a quote of the mail answered, below which a reply may be written.
# Outlook's quote nothing: what is below their header block is the history.
_QUOTE_DIVIDER = re.compile(r"blockquote|gmail_quote|gmail_attr|moz-cite-prefix", re.I)
_BLOCKQUOTE = re.compile(r"<(/?)blockquote\b", re.I)
_PART_BREAK = "<div></div>"  # a block boundary: ends a line, adds no blank one
ATTRIBUTION_LINES = 3  # an "On … wrote:" line above the quote, wrapped at most thrice


def written_html(body: str) -> str:
    """The HTML above the first divider, and what is written after each quote a divider
    opens (below the quote, or between quotes: a reply answering point by point), up to
    the first divider that opens none (a signature, Outlook's header block) or a quote that
    never closes. Each part ends a line: an answer never runs into the next one."""
    body, start, parts = body or "", 0, []
    while (match := _HTML_CUT.search(body, start)) is not None:
        parts.append(body[start:match.start()])
        end = _quote_end(body, match.start(), match.group())
        if end is None:
            return _PART_BREAK.join(parts)
        start = end
    return _PART_BREAK.join([*parts, body[start:]])


def _quote_end(body: str, at: int, divider: str) -> int | None:
    """Where the quote that the divider at ``at`` opens ends (its ``<blockquote>``, after
    at most a short attribution); None when the divider opens no quote, or the quote never
    closes (the rest of the mail is quoted)."""
    if _QUOTE_DIVIDER.search(divider) is None:
        return None
    opening = _BLOCKQUOTE.search(body, at)
    if opening is None or opening.group(1):
        return None
    attribution = html_to_text(body[at:opening.start()]).splitlines()
    if sum(1 for line in attribution if line.strip()) > ATTRIBUTION_LINES:
        return None
    depth = 0
    for tag in _BLOCKQUOTE.finditer(body, opening.start()):
        depth += -1 if tag.group(1) else 1
        if not depth:
            close = body.find(">", tag.end())
            return len(body) if close < 0 else close + 1
    return None

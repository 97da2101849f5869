"""Own only our block of an event body; keep every other byte (Teams block, people's text).

Why visible sentinel lines: Exchange and Outlook rewrite HTML on save (wrap it in their
own ``<html><head>``, add ``<div>``s, prefix ids and classes with ``x_``, turn spaces into
``&nbsp;``, split text into ``<span>``s, drop comments), so markers hidden in attributes
or comments do not survive, and the text view Graph gives for notes capture has no markup
at all. Two short lines of text survive both. They are matched on their core words
("onetoone agenda starts" / "onetoone agenda ends"), case-insensitively, across tags,
entities and any run of whitespace or NBSP, so a re-typed or re-wrapped line still counts
- but only as a line of their own: the same words inside a topic, an action, a display
name or a note are part of a longer line and never taken for our sentinels.

``replace_block`` swaps the smallest balanced run of sibling nodes holding both lines (then
grows it through ``<div>`` wrappers that hold nothing else, so our own wrapper does not
pile up); everything outside that region is returned byte-identical. With no block yet, it
inserts ours at the top of the body's content (just inside ``<body>``).

Pure: strings in, strings out.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

START = "── onetoone agenda starts · please keep this line ──"
END = "── onetoone agenda ends · please keep this line ──"
_START_CORE = ("onetoone", "agenda", "starts")
_END_CORE = ("onetoone", "agenda", "ends")
# The line Teams puts above its join block; used only when our END line was deleted.
_TEAMS_RULE = re.compile(r"^[ \t\u00a0]*_{20,}[ \t\u00a0\r]*$", re.M)


@dataclass(frozen=True)
class Markers:
    """The sentinel lines, as the template sees them (``markers.start``, ``markers.end``)."""

    start: str = START
    end: str = END


MARKERS = Markers()


class BlockDamaged(ValueError):
    """Only one of our sentinel lines is in the body (a person deleted the other one).

    The caller must not rewrite the body: where our block ends is unknowable, and the
    person's text wins.
    """


# Decoration a sentinel line may carry around its words: rules, dots, bullets, spaces (never
# a line break, so a match stays on one line).
_DECOR = r"[^\S\n]*(?:[─━—–\-_*·•|>=~.:,][^\S\n]*)*"
_GAP = r"[^\S\n]+"


def _core_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """A sentinel as a whole line of its own: its core words, optionally "please keep this
    line", and decoration only. Text that merely mentions the words (a topic, a name, a
    question, a note) shares its line with other words, so it can never open or close
    the block."""
    core = _GAP.join(re.escape(w) for w in words)
    keep = _GAP.join(("please", "keep", "this", "line"))
    return re.compile(rf"^{_DECOR}{core}(?:{_DECOR}{keep})?{_DECOR}$", re.I | re.M)


_START_RE = _core_pattern(_START_CORE)
_END_RE = _core_pattern(_END_CORE)


def _outer_sentinels(text: str) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """Our START and END lines in normalised text: the FIRST start line and the LAST end
    line after it (or the last end line, when no start line is left).

    Why not the first end line: a manager who pastes an earlier invite's agenda (its marker
    lines with it) into the Notes would otherwise cut our block short there, and everything
    typed below - Actions agreed too - would be silently lost. An END line before the only
    START line is none of ours (see ``BlockDamaged``).
    """
    s = _START_RE.search(text)
    ends = list(_END_RE.finditer(text, s.end() if s else 0))
    return s, ends[-1] if ends else None


def sentinel_kind(line: str) -> str | None:
    """Which of our sentinel lines one line of text is: ``"start"``, ``"end"`` or None."""
    if _START_RE.search(line):
        return "start"
    if _END_RE.search(line):
        return "end"
    return None


# -- a small, offset-preserving HTML tree -----------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][^\s/>]*(?:\"[^\"]*\"|'[^']*'|[^'\">])*>")
_TAG_LOOSE = re.compile(r"</?[A-Za-z][^>]*>")  # unbalanced quotes: end at the first ">"
_MAX_TAG = 4096  # longer "tags" are left as text, so broken markup stays linear


def _next_token(source: str, start: int, last_gt: int) -> tuple[int, int] | None:
    """(start, end) of the first markup token at or after ``start``; None when none is left.

    Tokens are tags, comments, doctypes and CDATA; everything else is text. Each attempt
    looks at most ``_MAX_TAG`` characters ahead (or searches once for a terminator), so
    unterminated quotes or tags cannot make parsing quadratic.
    """
    n = len(source)
    i = source.find("<", start)
    while i != -1:
        if source.startswith("<!--", i):  # comments, including Outlook's conditional ones
            j = source.find("-->", i + 4)
            end = n if j < 0 else j + 3
        elif source.startswith("<![CDATA[", i):
            j = source.find("]]>", i + 9)
            end = n if j < 0 else j + 3
        elif i >= last_gt:  # no ">" left: the rest is text
            return None
        elif source.startswith(("<!", "<?"), i):  # doctype, processing instruction
            end = source.find(">", i) + 1
        else:
            bound = min(n, i + _MAX_TAG)
            m = None
            if source.find(">", i, bound) >= 0:  # cheap check before any regex
                m = _TAG.match(source, i, bound) or _TAG_LOOSE.match(source, i, bound)
            if m is None:
                i = source.find("<", i + 1)
                continue
            end = m.end()
        return i, end
    return None

_VOID = frozenset({"br", "img", "meta", "link", "hr", "input", "col", "area", "base", "wbr",
                   "source", "param", "embed", "track", "basefont", "frame", "keygen"})
_RAW = frozenset({"script", "style", "textarea", "title", "xmp"})
_SELF_NESTING = frozenset({"p", "li", "td", "th", "tr", "option", "dt", "dd"})
_BLOCK = frozenset({
    "p", "div", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "ol", "li", "h1",
    "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "br", "hr", "body", "html", "section",
    "article", "header", "footer", "center", "dl", "dt", "dd", "caption",
})
_NAME = re.compile(r"</?([A-Za-z][^\s/>]*)")


@dataclass(eq=False)
class _Node:
    name: str
    start: int  # offset of "<" of the start tag (or of the text)
    inner_start: int  # offset just after the start tag
    end: int = -1  # offset just after the end tag (or the text)
    inner_end: int = -1  # offset of the end tag's "<"
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    text: str = ""  # decoded text, for text nodes (name "#text")
    blocks: int = 0  # for text nodes: how many block tags came before it


def _tree(source: str) -> tuple[_Node, list[_Node]]:
    """Parse into nodes with source offsets; returns the root and text nodes in order."""
    root = _Node(name="#root", start=0, inner_start=0, end=len(source), inner_end=len(source))
    stack = [root]
    texts: list[_Node] = []
    pos = 0
    blocks = 0

    def add_text(a: int, b: int) -> None:
        if a < b:
            node = _Node(name="#text", start=a, inner_start=a, end=b, inner_end=b,
                         parent=stack[-1], text=htmllib.unescape(source[a:b]), blocks=blocks)
            stack[-1].children.append(node)
            texts.append(node)

    def close(node: _Node, at: int, after: int) -> None:
        while stack[-1] is not node:
            dangling = stack.pop()
            open_names[dangling.name] -= 1
            dangling.inner_end = dangling.end = at
        stack.pop()
        open_names[node.name] -= 1
        node.inner_end, node.end = at, after

    last_gt = source.rfind(">")
    open_names: Counter[str] = Counter()
    while (token_at := _next_token(source, pos, last_gt)) is not None:
        t_start, t_end = token_at
        add_text(pos, t_start)
        pos = t_end
        token = source[t_start:t_end]
        if not token.startswith("<") or token[1] in "!?":
            continue
        name_match = _NAME.match(token)
        if name_match is None:
            continue
        name = name_match.group(1).lower()
        if name in _BLOCK:
            blocks += 1
        if token.startswith("</"):
            if open_names[name] > 0:
                idx = len(stack) - 1
                while stack[idx].name != name:
                    idx -= 1
                close(stack[idx], t_start, t_end)
            continue
        if name in _SELF_NESTING and stack[-1].name == name:
            close(stack[-1], t_start, t_start)
        node = _Node(name=name, start=t_start, inner_start=t_end, parent=stack[-1])
        stack[-1].children.append(node)
        if name in _VOID or token.endswith("/>"):
            node.inner_end = node.end = t_end
        elif name in _RAW:
            closing = re.compile(rf"</{re.escape(name)}\s*>", re.I).search(source, t_end)
            if closing is None:
                node.inner_end = node.end = pos = len(source)
            else:
                node.inner_end, node.end = closing.start(), closing.end()
                pos = closing.end()
        else:
            stack.append(node)
            open_names[name] += 1
    add_text(pos, len(source))
    while len(stack) > 1:
        node = stack.pop()
        node.inner_end = node.end = len(source)
    return root, texts


def _stream(texts: list[_Node]) -> tuple[str, list[int]]:
    """Normalised text of the document and, for each character, its text node's index.

    Whitespace and NBSP become single spaces; block boundaries count as a line break,
    inline boundaries (``<span>``) as nothing, so "onetoone</span><span> agenda" still
    matches, and a sentinel must fill its own line (paragraph).
    """
    chars: list[str] = []
    owners: list[int] = []
    prev: _Node | None = None
    for i, node in enumerate(texts):
        if prev is not None and prev.blocks != node.blocks and chars and chars[-1] != "\n":
            if chars[-1] == " ":
                chars[-1] = "\n"
            else:
                chars.append("\n")
                owners.append(i)
        for ch in node.text:
            if ch.isspace() or ch == "\u00a0":
                if chars and chars[-1] in " \n":
                    continue
                ch = " "
            chars.append(ch)
            owners.append(i)
        prev = node
    return "".join(chars), owners


def _ancestors(node: _Node) -> list[_Node]:
    out = []
    cur = node.parent
    while cur is not None:
        out.append(cur)
        cur = cur.parent
    return out


def _child_of(node: _Node, ancestor: _Node) -> _Node:
    cur = node
    while cur.parent is not ancestor:
        assert cur.parent is not None
        cur = cur.parent
    return cur


def find_block(html: str) -> tuple[int, int] | None:
    """Offsets ``(start, end)`` of our block in ``html``; None when there is none.

    Raises BlockDamaged when only one sentinel line is present (or END precedes START).
    The block is from the first START line to the last END line (``_outer_sentinels``).
    """
    _root, texts = _tree(html)
    text, owners = _stream(texts)
    s, e = _outer_sentinels(text)
    if s is None and e is None:
        return None
    if s is None or e is None:
        raise BlockDamaged("only one of the onetoone agenda lines is in the body")
    first = texts[owners[s.start()]]
    last = texts[owners[e.end() - 1]]
    first_up = [first, *_ancestors(first)]
    common = next(n for n in [last, *_ancestors(last)] if n in first_up)
    if common is first:  # both lines in one text node
        parent = first.parent
        assert parent is not None
        common = parent
        a, b = first.start, first.end
    else:
        a = _child_of(first, common).start
        b = _child_of(last, common).end
    # Grow through <div> wrappers holding nothing but the region (our own wrapper).
    parent = common
    while (parent.name == "div" and parent.parent is not None
           and not html[parent.inner_start:a].strip() and not html[b:parent.inner_end].strip()):
        a, b = parent.start, parent.end
        parent = parent.parent
    if _typed_beside(text, owners, texts, s.start(), e.end(), a, b):
        raise BlockDamaged("someone typed next to the onetoone agenda lines, in the same "
                           "paragraph or wrapper")
    return a, b


def _typed_beside(text: str, owners: list[int], texts: list[_Node], lo: int, hi: int,
                  a: int, b: int) -> bool:
    """Whether the region ``a``..``b`` of the HTML holds text before our START line (which
    begins at ``lo`` in the text) or after our END line (ending at ``hi``): words typed on a
    soft return (<br>) beside a marker, or a paragraph in the wrapper <div> Outlook put
    around one. Replacing the region would delete them."""
    i = lo - 1
    while i >= 0 and texts[owners[i]].start >= a:
        if not text[i].isspace():
            return True
        i -= 1
    i = hi
    while i < len(text) and texts[owners[i]].end <= b:
        if not text[i].isspace():
            return True
        i += 1
    return False


def _body_content_start(html: str) -> int:
    """Where the body's content begins: after ``<body ...>``, else after any head matter."""
    root, _ = _tree(html)
    stack = list(root.children)
    for node in root.children:
        if node.name == "html":
            stack = list(node.children)
            break
    pos = 0
    for node in stack:
        if node.name == "body":
            return node.inner_start
    for node in stack:  # no <body>: skip leading head-ish matter
        head_matter = node.name in ("head", "meta", "link", "style", "title", "base")
        if head_matter or (node.name == "#text" and not node.text.strip()):
            pos = node.end
        else:
            break
    # comments and doctypes are not nodes; step over them when they lead
    lead = re.compile(r"\s*(?:<!--.*?-->|<![^>]*>|<\?[^>]*>)", re.S)
    while (m := lead.match(html, pos)) is not None and m.end() > pos:
        pos = m.end()
    return pos


def replace_block(html: str | None, block_html: str) -> str:
    """``html`` with our block replaced by ``block_html`` (or inserted at the top).

    Everything outside our block is kept byte-for-byte. Raises BlockDamaged when a person
    deleted one of our sentinel lines, and ValueError when ``block_html`` lacks them.
    """
    if find_block(block_html) is None:
        raise ValueError("block_html must contain the START and END sentinel lines")
    if not html:
        return block_html
    found = find_block(html)
    if found is not None:
        a, b = found
        return html[:a] + block_html + html[b:]
    at = _body_content_start(html)
    return html[:at] + block_html + html[at:]


# Content with no words: a picture pasted into our block (Outlook keeps an inline image as
# <img src="cid:...">), a video or an embedded object. The text view shows none of it.
_MEDIA = re.compile(r"<(img|svg|video|audio|object|embed|iframe)\b[^>]*>", re.I)
_SOURCE = re.compile(r"""\s(?:src|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)


def _media(html: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for m in _MEDIA.finditer(html):
        src = _SOURCE.search(m.group(0))
        where = next((g for g in src.groups() if g is not None), "") if src else ""
        out[f"{m.group(1).lower()} {where}"] += 1
    return out


def media_added(html: str, block_html: str) -> bool:
    """Whether our block in ``html`` holds a picture (or other embedded media) that
    ``block_html`` has not: a screenshot pasted into the Notes box has no words, so the
    block's text fingerprint cannot tell it is there, yet replacing the block would delete
    it. False when there is no block, or only one of its lines (the caller finds out)."""
    try:
        found = find_block(html)
    except BlockDamaged:
        return False
    return found is not None and bool(_media(html[found[0]:found[1]]) - _media(block_html))


def outside_block(block_html: str) -> bool:
    """Whether a rendered agenda has words or a picture outside its START and END lines
    (an organisation's heading or logo above them). An update replaces only the block and
    keeps the rest of the body, so each update would add them to the invite again."""
    found = find_block(block_html)
    if found is None:
        return False
    rest = block_html[:found[0]] + block_html[found[1]:]
    return bool(_MEDIA.search(rest)) or bool(_stream(_tree(rest)[1])[0].strip())


# -- the text view ----------------------------------------------------------------------------

_BARE_CR = re.compile(r"\r(?!\n)")


def block_text(text: str) -> str | None:
    """The text between our START and END lines in a body read as text; None if absent.

    Our block runs from the first START line to the last END line: marker lines a manager
    pasted into the Notes (last meeting's agenda, copied whole) are inside it, and what they
    typed after them is still read (``notes`` tells a pasted copy from their own lines).
    Returned as found (CRLF, NBSP and all). If a person deleted the END line, the text runs
    to the Teams separator line (or the end), so nothing typed is lost; likewise a deleted
    START line means "from the top". A bare CR (old Mac line ending; normally made LF at
    the edge already) is taken as a line break, so such text still has lines.
    """
    text = _BARE_CR.sub("\n", text)
    s, e = _outer_sentinels(text)
    if s is None and e is None:
        return None
    if s is not None:
        nl = text.find("\n", s.end())
        begin = len(text) if nl < 0 else nl + 1
    else:
        begin = 0
    if e is not None:
        end = text.rfind("\n", begin, e.start())
        end = begin if end < 0 else end + 1
    else:
        rule = _TEAMS_RULE.search(text, begin)
        end = rule.start() if rule else len(text)
    return text[begin:end]


def block_lines(text: str, agenda_line: Callable[[str], bool]) -> list[str]:
    """The lines of our block, from ``text`` that is normally the block already
    (``block_text``); a whole body is narrowed to it first.

    Telling the two apart matters once a manager has pasted an earlier agenda, marker lines
    and all, into the Notes: narrowing our block again would keep only the pasted copy and
    lose every line around it. So a text is a whole body only when its first marker line is
    a START line with no ``agenda_line`` above it (our block opens with its header; a body's
    own text above our block has none of its lines).
    """
    lines = _BARE_CR.sub("\n", text).replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        kind = sentinel_kind(line)
        if kind == "start":
            # A copy pasted at the very top of our block looks the same, but our block's
            # own lines (its headings: Notes, Actions agreed) come after the END line that
            # closes that START; a body's text after our END line has none of them.
            closed_at = pasted_spans(lines).get(i)
            if closed_at is not None and any(agenda_line(rest)
                                             for rest in lines[closed_at + 1:]):
                return lines
            return (block_text(text) or "").replace("\r\n", "\n").split("\n")
        if kind == "end" or agenda_line(line):
            break
    return lines


def pasted_spans(lines: Sequence[str]) -> dict[int, int]:
    """Marker lines a person pasted into our block (an earlier invite's agenda, copied
    whole): the index of each outermost START line and of the END line that closes it. A
    lone marker line opens or closes nothing."""
    open_at: list[int] = []
    spans: dict[int, int] = {}
    for i, line in enumerate(lines):
        kind = sentinel_kind(line)
        if kind == "start":
            open_at.append(i)
        elif kind == "end" and open_at:
            start = open_at.pop()
            # Drop the spans it holds: the last ones kept (spans are kept in order and never
            # overlap), so the cost is linear however many copies were pasted.
            while spans and next(reversed(spans)) > start:
                spans.popitem()
            spans[start] = i
    return spans


def is_sentinel_line(line: str) -> bool:
    """One line of text is our START or END line (see ``_core_pattern``)."""
    return bool(_START_RE.search(line) or _END_RE.search(line))


_LEADING_BULLET = re.compile(r"^(?:[•·◦▪▫●○■□\-*–—>]\s*)+")

# -- one line of the text view, as the notes parser compares it ------------------------------

# Characters a line is read without: zero-width ones, direction marks, soft hyphen.
INVISIBLES = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLES), None)
# Glyph bullets may touch the text; "-", "*", "–", "—", ">" only count with a space after
# (so "-5 degrees" stays as typed).
# (A glyph bullet may carry an emoji variation selector: "▪️" is "▪" + U+FE0F.)
_LEADING_BULLETS = re.compile(r"^(?:[•·◦▪▫●○■▸►‣⁃∙][\ufe0e\ufe0f]?\s*|[-*–—>]+\s+)+")
SPACE = re.compile(r"\s+")
_INNER_BOX = re.compile(r"\[\s*[xX✓✔]?\s*\]|[☐☑☒✅]")


def clean_line(line: str) -> str:
    """One line with NBSP/tabs/odd spaces as single spaces, invisibles removed, stripped."""
    line = line.translate(_INVISIBLE)
    return SPACE.sub(" ", line.replace("\u00a0", " ")).strip()


def fold(text: str) -> str:
    """Names and keys compared as Unicode text, not code points: a directory may hold
    "Zoe" + U+0301 where the manager's keyboard types "Zoé" (NFC, before and after
    casefolding, which can decompose)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


# A numbered list's label in front of a line ("1. ", "b) ", "iv. "), or alone on it.
_LEADING_NUMBER = re.compile(r"^\(?(?:\d{1,3}|[a-z]|[ivxlc]{1,6})[.)](?:\s+|$)", re.I)


def line_key(line: str) -> str:
    """Comparison key for recognising the agenda's own lines. A list's bullet or number in
    front is no part of it: a list an organisation's template numbers (``<ol>``) is its
    lines, however a body's text numbered or bulleted them when the agenda went in."""
    line = _LEADING_BULLETS.sub("", line)
    line = _LEADING_BULLETS.sub("", _LEADING_NUMBER.sub("", line, count=1))
    line = line.replace("’", "'").replace("‘", "'")
    line = fold(line.strip(" *_#:"))
    # Tick boxes inside a line don't make it another line: a manager who replaces every
    # "[ ]" with "[x]" also changes the hint "change [ ] to [x]", which is still ours.
    line = _INNER_BOX.sub("[]", line)
    return SPACE.sub(" ", line)


def strip_bullets(line: str) -> str:
    """The line without leading bullets (as typed when it is nothing but bullets)."""
    out = _LEADING_BULLETS.sub("", line)
    return out if out.strip() else line


# No format character (Unicode category Cf) is ASCII: only runs of other characters are
# looked at one by one (a pasted thread can be megabytes, nearly all of it ASCII).
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _without_format_chars(run: re.Match[str]) -> str:
    return "".join(ch for ch in run.group() if unicodedata.category(ch) != "Cf")


def normalise_block_text(text: str) -> str:
    """Canonical form used by ``fingerprint``: what survives any faithful HTML->text pass.

    NFC; format characters (zero-width space, soft hyphen, BOM) removed; CRLF/CR to LF; NBSP,
    tabs and runs of spaces to one space; leading bullets, blank lines and sentinel lines
    dropped.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _NON_ASCII.sub(_without_format_chars, text)
    out = []
    for raw in text.split("\n"):
        line = " ".join(raw.replace("\u00a0", " ").split())
        line = _LEADING_BULLET.sub("", line).strip()
        if not line or is_sentinel_line(line):
            continue
        out.append(line)
    return "\n".join(out)


def fingerprint(text: str) -> str:
    """A hash of the block text, stable under Outlook's whitespace/bullet/line-end changes.

    Compare ``fingerprint(block_text(graph_text))`` with the fingerprint of what was
    injected (``fingerprint(block_text(html_to_text(block_html, rows=True)))``): different
    means a person edited inside our block, and their text wins.
    """
    return hashlib.sha256(normalise_block_text(text).encode()).hexdigest()

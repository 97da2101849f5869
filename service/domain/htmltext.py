"""HTML to text, roughly as Exchange does it for ``Prefer: outlook.body-content-type="text"``.

Used to know what our injected block will look like when Graph later returns the body as
text (for the edit fingerprint) and in tests that play the whole render -> Outlook -> parse
loop. Only the stdlib ``html.parser``.

Approximations of Exchange's converter:

- block elements (p, div, table, tr, li, h1-h6, blockquote, pre, ...) start and end a
  line; ``<br>`` always breaks the line; an empty paragraph adds no line, a paragraph
  holding only ``&nbsp;`` gives a line containing U+00A0 (as Exchange does);
- list items get a bullet ("• ") - Exchange uses several glyphs, the parser accepts all -
  or, in a numbered list, their number;
- table cells in a row are separated by a tab; a cell's paragraphs and lines stay lines, as
  a mail's signature laid out as a table (logo | name, title, phone) is written;
- with ``rows=True`` (an invite's body, where the notes parser reads a table the manager
  typed) a table's row of two or more cells is one line instead, its cells separated by a
  tab, each cell's paragraphs and lines joined by ``PARAGRAPH`` (U+2029, whitespace to any
  other reader; Outlook desktop puts a ``<p>`` in every cell, OWA its text alone): a row
  typed as "Who | What | When" stays one line; a row of one cell, as the agenda's own layout
  tables are, is its lines, and so is a row holding a table of its own;
- links whose text differs from the address are followed by ``<address>``, except
  Outlook's @mentions of a person: their text is the person's name as shown (with
  ``mentions=True`` marked with the address, for the notes parser: see
  ``service.domain.mentions``);
- a numbered list's items (``<ol>``) keep their numbers ("1. ", "b. ", "iv. ", from its
  ``start`` and ``type``), as Word's lists below do; other items get a bullet;
- entities are decoded (``&nbsp;`` becomes U+00A0, not a space), and the text they make is
  cleaned as text from outside is at the edge (``service.domain.text.clean_text``): the
  edge cleans Graph's JSON, where ``&#x202E;`` is still six harmless characters, so an
  encoded bidi override or control would otherwise reach the store decoded;
- head, script, style, title and conditional comments produce nothing;
- struck-through text (``<s>``, ``<strike>``, ``<del>``, or a ``line-through`` style, as
  Outlook's strikethrough button writes it) is wrapped in ``~~``, the way people mark a
  line done in plain text: the notes parser reads it as a tick, and it is an edit;
- Outlook desktop's (Word's) list items are paragraphs whose bullet is text drawn in a
  symbol font inside ``<![if !supportLists]>`` … ``<![endif]>`` ("·", "o" for the second
  level, "§" for the third): that text becomes one bullet, so "o Sam: …" reads "Sam: …";
  a numbered list's label ("1.", "a)") is kept as written, as a reader without lists sees it;
- Outlook desktop's symbols are letters in a symbol font (Wingdings, Wingdings 2): its
  AutoCorrect types ":)" as a Wingdings "J" and "-->" as "à", and Insert > Symbol's check
  mark is a Wingdings "ü" (or "þ" for a ticked box). Exchange's text, like any reader
  without the font, shows the letter; here the ones people use become their Unicode
  characters, so a box ticked that way is ticked and a summary never says "Thanks J";
- lines end with CRLF.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

from service.domain.mentions import is_mention, marked, unmarked
from service.domain.text import clean_text

_BLOCK = frozenset({
    "p", "div", "table", "tbody", "thead", "tfoot", "tr", "ul", "ol", "li", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "pre", "section", "article", "header", "footer", "hr",
    "dl", "dt", "dd", "address", "center", "form", "fieldset", "nav", "aside", "main",
    "figure", "caption",
})
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "xml"})
_VOID = frozenset({"br", "img", "meta", "link", "hr", "input", "col", "area", "base", "wbr",
                   "source", "param", "embed", "track"})
_STRIKE = frozenset({"s", "strike", "del"})
# Where Word's list bullet (``<![if !supportLists]>``) ends at the latest, if its
# ``<![endif]>`` is missing: the rest of the body is never swallowed with it.
_BREAKS = _BLOCK | {"li", "tr", "pre", "br", "td", "th"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")  # HTML whitespace; U+00A0 is NOT collapsed
BULLET = "• "
# Between a table cell's paragraphs in a row made one line (``rows=True``): two actions typed
# one under the other in a cell stay two. Whitespace to any other reader of the line.
PARAGRAPH = "\u2029"
# The label of an item of a numbered list, as Word writes it for readers without lists.
_LABEL = re.compile(r"\(?(?:\d{1,3}|[a-z]|[ivxlc]{1,6})[.)]", re.I)
# How an <ol>'s ``type`` numbers its items (HTML's five; any other counts 1, 2, 3).
_NUMBERINGS = frozenset("1aAiI")
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _numbered(number: int, kind: str) -> str:
    """An item's number as its list's ``type`` writes it: 3 is "3", "c", "C", "iii" or
    "III" (a number letters cannot write, 0 or below, or past 3999 in Roman, in figures)."""
    if kind in "aA" and number > 0:
        letters = ""
        while number > 0:
            number, digit = divmod(number - 1, 26)
            letters = chr(ord("a") + digit) + letters
        return letters.upper() if kind == "A" else letters
    if kind in "iI" and 0 < number < 4000:
        roman = ""
        for value, figure in _ROMAN:
            while number >= value:
                roman, number = roman + figure, number - value
        return roman.upper() if kind == "I" else roman
    return str(number)

# What Outlook desktop's symbol-font letters stand for: AutoCorrect's faces and arrows, and
# the check marks and boxes of Insert > Symbol (Word may store the letter as U+F0xx, the
# font's private-use code, instead). Letters not listed are kept as they are.
_SYMBOLS = {
    "wingdings": str.maketrans({
        "J": "☺", "K": "😐", "L": "☹", "C": "👍", "D": "👎", "ß": "←", "à": "→", "ç": "⇦",
        "è": "⇨", "ó": "⇔", "û": "✗", "ü": "✓", "ý": "☒", "þ": "☑", "¨": "☐", "o": "□",
        "q": "❑", "n": "■", "l": "●", "§": "▪"}),
    "wingdings 2": str.maketrans({"O": "✗", "P": "✓", "R": "☑", "S": "☒", "T": "☒",
                                  "£": "☐"}),
}
# A style's font (its first family), and the symbol font Word names for letters it marks
# as symbols ("mso-ascii-font-family" and the like are for the letters around them).
_FONT = re.compile(r"(?:^|[;\s])font-family\s*:\s*[\"']?([^;,\"']+)", re.I)
_SYMBOL_FONT = re.compile(r"mso-symbol-font-family\s*:\s*[\"']?([^;,\"']+)", re.I)
_SYMBOL_CHARS = re.compile(r"mso-char-type\s*:\s*symbol", re.I)


def _font_of(tag: str, attrs: dict[str, str | None]) -> str | None:
    """The font an element sets for its text, lower case; None when it sets none."""
    if tag == "font" and attrs.get("face"):  # Exchange's HTML of an RTF body
        return " ".join((attrs["face"] or "").split(",")[0].strip(" '\"").lower().split())
    style = attrs.get("style") or ""
    symbol = _SYMBOL_FONT.search(style) if _SYMBOL_CHARS.search(style) else None
    found = symbol or _FONT.search(style)
    # Word wraps its source lines, within a style too: "Wingdings\n2" is "wingdings 2".
    return " ".join(found.group(1).lower().split()) if found else None


def _unsymbol(text: str, font: str) -> str:
    """``text`` drawn in ``font``, as the characters a reader of it sees."""
    table = _SYMBOLS.get(font)
    if table is None:
        return text
    text = "".join(chr(ord(ch) - 0xF000) if "\uf020" <= ch <= "\uf0ff" else ch for ch in text)
    return text.translate(table)


@dataclass
class _Row:
    """A table row being read: where its lines start, each cell's lines (start, end), the
    cell open now, and whether a cell holds a table of its own."""

    start: int
    level: int  # how many tables are open around it
    cells: list[tuple[int, int]] = field(default_factory=list)
    cell: int | None = None
    nested: bool = False


@dataclass
class _Link:
    """A link being read: where it points, its attributes, and where its text starts (the
    line's number and the place in it)."""

    href: str
    attrs: dict[str, str | None]
    line: int
    at: int


class _Converter(HTMLParser):
    def __init__(self, *, rows: bool, mentions: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.join_rows = rows  # a row of cells is one line (see the module notes)
        self.mark_mentions = mentions  # write a mention's address with it (module notes)
        self.cell_in_row: list[int] = []  # without: cells so far in each open row
        self.lines: list[str] = []
        self.line = ""
        self.skip = 0
        self.pre = 0
        self.rows: list[_Row] = []  # open rows, innermost last
        self.tables = 0  # open tables
        self.links: list[_Link] = []
        # The mentions on the current line (start, end, address), marked as it ends: marked
        # as each ends, a line of thousands would be copied as often.
        self.marks: list[tuple[int, int, str]] = []
        # Open lists, innermost last: None for a bulleted one, else [next number, type].
        self.lists: list[tuple[str, list[int | str] | None]] = []
        self.item_label: str | None = None  # the label an item's line starts with
        self.list_glyph = False  # inside Word's <![if !supportLists]> bullet
        self.glyph: str | None = None  # its text so far, when it is to be written
        # Open elements, each with whether it strikes its text through and the font its text
        # is in (inherited unless it sets one); the current line opened "~~" (closed at the
        # line's end or the strike's, whichever comes first).
        self.open: list[tuple[str, bool, str]] = []
        # How many of each tag, and of striking ones, are open: kept as elements open and
        # close, so a deep nest (markup from outside may never close anything) costs no scan
        # of the stack per tag or per piece of text.
        self.opened: Counter[str] = Counter()
        self.striking = 0
        self.line_struck = False

    # -- line building -------------------------------------------------------------------

    def soft_break(self) -> None:
        """End the current line if it has anything (block boundary). An item's label stays
        for the item's first text, as a paragraph of its own (OWA's ``<li><div>``)."""
        if self.item_label is not None and self.line == self.item_label:
            return
        if self.line.strip(" \t"):
            self.hard_break()
        else:
            self.line, self.marks = "", []

    def hard_break(self) -> None:
        self.item_label = None
        self._end_strike()
        self.lines.append(self._marked().rstrip(" \t"))
        self.line = ""

    def _marked(self) -> str:
        """The current line with its mentions marked (``mentions``: module notes)."""
        line, marks, self.marks = self.line, self.marks, []
        out: list[str] = []
        at = 0
        for start, end, href in marks:
            end = min(end, len(line))  # (a strike's end may have trimmed its spaces)
            if at <= start < end and line[start:end].strip():
                out += [line[at:start], marked(line[start:end], href)]
                at = end
        return "".join(out) + line[at:] if out else line

    def write(self, text: str, *, words: bool = True) -> None:
        """Add text to the line (``words``: the writer's, struck through if it is)."""
        if not text:
            return
        at_line_start = not self.line and not self.pre
        if at_line_start or (self.line.endswith((" ", "\t")) and text.startswith(" ")):
            text = text.lstrip(" ")
        if words and text.strip():
            self.item_label = None  # the item's text has begun
            if not self.line_struck and self.striking:
                self.line += "~~"
                self.line_struck = True
        self.line += text

    def _end_strike(self) -> None:
        if self.line_struck:
            self.line = self.line.rstrip(" \t") + "~~"
            self.line_struck = False

    # -- tables ----------------------------------------------------------------------------

    def _row_here(self) -> _Row | None:
        """The row open in the innermost open table, if any."""
        row = self.rows[-1] if self.rows else None
        return row if row is not None and row.level == self.tables else None

    def _start_row(self) -> None:
        if self._row_here() is not None:
            self._end_row()  # a row opened without closing the one before
        self.soft_break()
        self.rows.append(_Row(start=len(self.lines), level=self.tables))

    def _start_cell(self) -> None:
        row = self._row_here()
        if row is None:
            return  # a cell outside any row: its text runs on, as before
        self._end_cell(row)
        self.soft_break()
        row.cell = len(self.lines)

    def _end_cell(self, row: _Row) -> None:
        if row.cell is not None:
            self.soft_break()
            row.cells.append((row.cell, len(self.lines)))
            row.cell = None

    def _end_row(self) -> None:
        """The innermost row ends: with two or more cells, its lines become one."""
        row = self.rows.pop()
        self._end_cell(row)
        self.soft_break()
        if len(row.cells) < 2 or row.nested:
            return
        in_cells = {n for a, b in row.cells for n in range(a, b)}
        stray = [line for n, line in enumerate(self.lines[row.start:], row.start)
                 if n not in in_cells and line.strip(" \t")]
        texts = [PARAGRAPH.join(line.replace("\t", " ").strip(" ") for line in self.lines[a:b]
                                if line.strip(" \t")) for a, b in row.cells]
        joined = "\t".join(texts).rstrip("\t ")
        del self.lines[row.start:]
        self.lines.extend(stray)
        if joined.strip("\t "):
            self.lines.append(joined)

    def _start_table(self) -> None:
        if self.rows and self.rows[-1].cell is not None:
            self.rows[-1].nested = True  # a table in a cell: that row stays as its lines
        self.tables += 1

    def _end_table(self) -> None:
        if not self.tables:
            return
        while self._row_here() is not None:
            self._end_row()
        self.tables -= 1

    def _close(self, tag: str) -> None:
        """``tag`` ends, with any element left open inside it (HTML from outside may not
        nest well); a strike it held ends with it."""
        if not self.opened[tag]:
            return
        while self.open:
            closed, on, _font = self.open.pop()
            self.opened[closed] -= 1
            self.striking -= on
            if closed == tag:
                break
        if not self.striking:
            self._end_strike()

    # -- parser events -------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.list_glyph and tag in _BREAKS:
            self._end_glyph()
        if tag == "body":  # an unclosed <head> must not hide the body
            self.skip = 0
        if self.skip:
            return
        if tag == "br":
            self.hard_break()
        elif tag == "pre":
            self.soft_break()
            self.pre += 1
        elif tag == "tr" and self.join_rows:
            self._start_row()
        elif tag in ("td", "th") and self.join_rows:
            self._start_cell()
        elif tag == "tr":
            self.soft_break()
            self.cell_in_row.append(0)
        elif tag in ("td", "th"):
            if self.cell_in_row:
                if self.cell_in_row[-1]:
                    self.line = self.line.rstrip(" ") + "\t"
                self.cell_in_row[-1] += 1
        elif tag == "li":
            self._end_item()
            self.soft_break()
            self.item_label = self._item_label(dict(attrs))
            self.write(self.item_label, words=False)
        elif tag in _BLOCK:
            self.soft_break()
            if tag == "table" and self.join_rows:
                self._start_table()
            elif tag in ("ol", "ul"):
                self._start_list(tag, dict(attrs))
        elif tag == "a":
            given = dict(attrs)
            self.links.append(_Link(href=given.get("href") or "", attrs=given,
                                    line=len(self.lines), at=len(self.line)))
        if tag in _BLOCK and self.opened["p"]:
            self._close("p")  # a block closes an open paragraph, as browsers do
        if tag not in _VOID:
            given = dict(attrs)
            style = (given.get("style") or "").lower()
            on = tag in _STRIKE or "line-through" in style
            font = _font_of(tag, given)
            self.open.append((tag, on, self.font if font is None else font))
            self.opened[tag] += 1
            self.striking += on

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.list_glyph and tag in _BREAKS:
            self._end_glyph()
        if self.skip:
            return
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.soft_break()
        elif tag == "tr":
            if self._row_here() is not None:
                self._end_row()
            elif self.cell_in_row:
                self.cell_in_row.pop()
            self.soft_break()
        elif tag in ("td", "th"):
            row = self._row_here()
            if row is not None:
                self._end_cell(row)
        elif tag in _BLOCK:
            if tag == "table" and self.join_rows:
                self._end_table()
            elif tag in ("ol", "ul"):
                self._end_list(tag)
            if tag in ("li", "ol", "ul"):
                self._end_item()
            self.soft_break()
        elif tag == "a" and self.links:
            self._end_link(self.links.pop())
        self._close(tag)

    # -- lists and links ---------------------------------------------------------------------

    def _start_list(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag == "ul":
            self.lists.append((tag, None))
            return
        start = (attrs.get("start") or "").strip()
        kind = (attrs.get("type") or "1").strip()
        number = int(start) if re.fullmatch(r"-?\d{1,6}", start) else 1
        self.lists.append((tag, [number, kind if kind in _NUMBERINGS else "1"]))

    def _end_list(self, tag: str) -> None:
        """``tag`` ends, with any list left open inside it."""
        while self.lists:
            if self.lists.pop()[0] == tag:
                break

    def _end_item(self) -> None:
        """An item ends, or the next begins: one with no text leaves no label behind."""
        if self.item_label is not None and self.line == self.item_label:
            self.line = ""
        self.item_label = None

    def _item_label(self, attrs: dict[str, str | None]) -> str:
        """What an item's line starts with: its number in a numbered list (``value`` sets
        it, and the count goes on from there), else a bullet."""
        numbering = self.lists[-1][1] if self.lists else None
        if numbering is None:
            return BULLET
        value = (attrs.get("value") or "").strip()
        if re.fullmatch(r"-?\d{1,6}", value):
            numbering[0] = int(value)
        number, kind = int(numbering[0]), str(numbering[1])
        numbering[0] = number + 1
        return f"{_numbered(number, kind)}. "

    def _end_link(self, link: _Link) -> None:
        """A link ends: the address after its text, when that does not show it; a mention's
        text alone (marked, with ``mentions``: see the module notes)."""
        same_line = link.line == len(self.lines) and link.at <= len(self.line)
        shown = self.line[link.at:] if same_line else ""
        lead = "~~" if shown.startswith("~~") else ""  # a strike that starts with it
        if is_mention(link.href, link.attrs, shown[len(lead):].strip()):
            if self.mark_mentions and same_line and shown[len(lead):].strip():
                self.marks.append((link.at + len(lead), len(self.line), link.href))
            return
        if link.href and not link.href.startswith("#") and link.href not in self.line.strip():
            self.line += f"<{link.href}>"

    @property
    def font(self) -> str:
        """The font of the text here ("" when none was set)."""
        return self.open[-1][2] if self.open else ""

    def handle_data(self, data: str) -> None:
        data = unmarked(data)  # only a mention's link writes its marks (module notes)
        if self.skip:
            if self.glyph is not None and self.skip == 1:
                self.glyph += data
            return
        if self.font in _SYMBOLS:
            data = _unsymbol(data, self.font)
        if self.pre:
            parts = data.replace("\r\n", "\n").split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.hard_break()
                self.line += part
            return
        self.write(_SPACES.sub(" ", data))

    def handle_comment(self, data: str) -> None:
        self._conditional(data.strip())

    def unknown_decl(self, data: str) -> None:
        self._conditional(data.strip())

    def _conditional(self, data: str) -> None:
        """Word's list bullet: ``<![if !supportLists]>`` (or the same as a comment) holds
        the glyph and its spacing, for readers that cannot draw the list themselves."""
        said = data.strip("[]").lower().replace(" ", "")
        if said == "if!supportlists" and not self.list_glyph:
            self.list_glyph = True
            self.skip += 1
            if self.skip == 1:
                self.glyph = ""  # written as it ends: a number is kept, a glyph is a bullet
        elif said == "endif" and self.list_glyph:
            self._end_glyph()

    def _end_glyph(self) -> None:
        if self.glyph is not None:
            # A numbered list's label ("1.", "b)", "iv.") is part of what was written: "we
            # chose 2." means nothing once the list's numbers are bullets.
            label = " ".join(self.glyph.replace("\u00a0", " ").split())
            numbered = bool(_LABEL.fullmatch(label))
            if self.item_label is not None and self.line == self.item_label:
                # Word's list paragraph inside an item (<li>) labelled already: one label,
                # Word's when it is a number.
                if numbered:
                    self.line = self.item_label = f"{label} "
            else:
                self.write(f"{label} " if numbered else BULLET, words=False)
            self.glyph = None
        self.list_glyph = False
        self.skip = max(0, self.skip - 1)

    def result(self) -> str:
        while self.rows:  # rows left open by markup that never closed them
            self.tables = self.rows[-1].level
            self._end_row()
        if self.line.strip(" \t"):
            self.hard_break()
        lines = self.lines
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        text, changed = clean_text("\r\n".join(lines))
        # clean_text ends lines with LF (a lone CR, decoded from "&#13;", among them): ours
        # end with CRLF, as Exchange's do.
        return text.replace("\n", "\r\n") if changed else text


def html_to_text(html: str, *, rows: bool = False, mentions: bool = False) -> str:
    """The text Exchange would return for ``html`` (approximately; see the module notes).
    ``rows``: a table's row of cells is one line, for the notes parser to read a table
    typed into an invite; a mail's text keeps a cell's lines, which its signature cut reads.
    ``mentions``: Outlook's @mentions carry the address of the person picked, marked, for
    the notes parser (``service.domain.mentions``); else they are the name shown."""
    converter = _Converter(rows=rows, mentions=mentions)
    # After the last ">" no tag can be whole, and html.parser scans that tail again from
    # each "<" in it to its end (40 kB of "<div " took seconds): as "&lt;" it reads the same.
    end = html.rfind(">") + 1
    if "<" in html[end:]:
        html = html[:end] + html[end:].replace("<", "&lt;")
    try:
        converter.feed(html)
        converter.close()
    except Exception:  # html.parser is lenient; never let odd markup stop a read
        pass
    return converter.result()

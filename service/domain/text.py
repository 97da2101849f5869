"""Text from outside, made safe to store, fingerprint and parse — once, at the edge.

Meeting bodies, mail, directory names and CSV cells may hold anything: half of a broken
emoji (a lone surrogate, which UTF-8 can't encode, so hashing or storing it raises), a NUL
(PostgreSQL refuses it in text), bidirectional overrides (which make text read differently
from how it is stored), and old Mac line endings (a lone CR, which line-based parsing would
take as one long line). Each is replaced or removed here so that one bad item can't stop a
run; what was changed is counted, so the caller can log it against the item.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

REPLACEMENT = "\ufffd"
# Lone surrogates; NUL and the other C0 controls except tab and newline (CR is handled as
# a line ending); bidi embeddings, overrides and isolates.
_SURROGATE = re.compile("[\ud800-\udfff]")
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")
_LINE_ENDS = re.compile("\r\n?")
# Any of the above: most text holds none, and one search tells (every Graph answer passes here).
_ANY = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\u202a-\u202e\u2066-\u2069]")

# What any of them looks like in JSON text: escaped (\u0000-\u001f but tab and LF, \b, \f,
# \r, a surrogate, a bidi control) or, outside ASCII, as itself (a surrogate or a bidi
# control). Raw C0 controls need no search: a document json.loads accepts (strict, its
# default) holds none inside a string. A document whose text shows none of these holds no
# string to clean (an escaped backslash before "r" and the like only cost the full walk).
# Two searches, not one: a pattern that starts with a backslash is found at C speed, while
# a character class is tried at every position (about 0.2 ms for a 20 kB getSchedule
# answer), so the class is only searched for in text that is not ASCII.
_JSON_ESCAPED = re.compile(
    r"\\(?:u00[01][0-9a-f]|[bfr]|ud[89a-f][0-9a-f]{2}|u202[a-e]|u206[6-9])", re.IGNORECASE)
_JSON_RAW = re.compile("[\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def json_may_need_cleaning(text: str) -> bool:
    """False only when no string of the JSON document ``text`` (one ``json.loads`` accepts)
    can need ``clean_text`` (so the walk of every string can be skipped: most of Graph's
    answers)."""
    if _JSON_ESCAPED.search(text) is not None:
        return True
    return not text.isascii() and _JSON_RAW.search(text) is not None


def loads_clean(raw: bytes) -> tuple[Any, int]:
    """A JSON document (bytes, decoded as ``json.loads`` decodes them) parsed with every
    string cleaned; and how many changed. Most documents need no walk of their strings."""
    text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    data = json.loads(text)  # strict: a raw control character inside a string is refused
    return clean_json(data) if json_may_need_cleaning(text) else (data, 0)


def clean_text(value: str) -> tuple[str, bool]:
    """``value`` with lone surrogates replaced by U+FFFD, NUL/control/bidi-override characters
    removed and CRLF or lone CR made LF; and whether anything changed."""
    if _ANY.search(value) is None:
        return value, False
    out = _SURROGATE.sub(REPLACEMENT, value)
    out = _DROP.sub("", out)
    out = _LINE_ENDS.sub("\n", out)
    return out, out != value


def clean_json(value: Any) -> tuple[Any, int]:
    """Every string in a parsed JSON document cleaned (keys too); and how many changed."""
    if value is None or value.__class__ in (bool, int, float):
        return value, 0
    if isinstance(value, str):
        out, changed = clean_text(value)
        return out, int(changed)
    if isinstance(value, list):
        items, total = [], 0
        for item in value:
            cleaned, n = clean_json(item)
            items.append(cleaned)
            total += n
        return items, total
    if isinstance(value, dict):
        result: dict[Any, Any] = {}
        total = 0
        for key, item in value.items():
            new_key, n_key = clean_json(key)
            cleaned, n = clean_json(item)
            result[new_key] = cleaned
            total += n + n_key
        return result, total
    return value, 0


# Format characters that shape a letter or an emoji (ZWNJ in Persian words, ZWJ in 👩‍💻).
_SHAPING = frozenset("\u200c\u200d")


def _shown(c: str) -> str:
    kind = unicodedata.category(c)
    # Line and paragraph separators (Zl, Zp) end a line for str.splitlines and for some
    # terminals, as a newline does; a lone surrogate can't be written to the terminal at all.
    if kind in ("Cc", "Zl", "Zp"):
        return " "
    if kind == "Cf" and c not in _SHAPING:
        return ""
    return REPLACEMENT if kind == "Cs" else c


def for_table_cell(value: str) -> str:
    """``value`` as one cell of a table on a terminal: without format characters (Unicode
    Cf: bidi marks and isolates, zero-width spaces, a BOM) but those that shape letters, and
    with control characters (C0 and C1: ESC, which starts a terminal's escape sequences,
    and U+009B, a CSI on its own) and line breaks as spaces. `clean_text` leaves a
    right-to-left mark (U+200F), which a name from the directory may hold: the terminal then
    lays the rest of the table row out right to left, and the columns no longer line up;
    zero-width ones are counted by some terminals and not by the table's layout.

    Markup is the printer's business: a cell holding ``[bold]`` is still that text here
    (the CLI shows cells as rich ``Text``, never parsed as markup)."""
    if value.isascii() and value.isprintable():
        return value
    return "".join(map(_shown, value))


def for_one_line(value: str, limit: int | None = None) -> str:
    """``value`` (a name, a reason) as part of one line of terminal output: as
    `for_table_cell`, with each run of white space (a newline or tab among them) as one
    space, so that it can't start a line of its own that reads as the program's; cut to
    ``limit`` characters with an ellipsis (Entra allows 256-character names)."""
    text = " ".join(for_table_cell(value).split())
    if limit is not None and len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return text


def for_terminal(text: str) -> str:
    """A message of ours (one line or several) holding outside text, as printed on a
    terminal: each line as `for_table_cell`, its line breaks kept (a refused pairs file's
    problems are listed one per line)."""
    if text.isascii() and text.replace("\n", "").isprintable():
        return text
    return "\n".join(for_table_cell(line) for line in text.split("\n"))


__all__ = ["clean_json", "clean_text", "for_one_line", "for_table_cell", "for_terminal",
           "json_may_need_cleaning", "loads_clean"]

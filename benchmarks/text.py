"""How long the reading of hostile text takes as it grows: HTML to text (invite bodies and
mail go through it on every read), our block found and replaced in pathological markup, and
the Notes read when thousands of copies of our marker lines were pasted into them. Prints CPU
seconds per size: linear growth is the aim (the tests check the results, never the time).

    python benchmarks/text.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from service.domain.body import END, START, block_text, replace_block
from service.domain.htmltext import html_to_text
from service.domain.notes import parse_block

SHAPES = {
    "unclosed <div ": lambda n: "<div " * n,
    "nested tables": lambda n: "<table><tr><td>x" * n,
    "nested strike + p": lambda n: "<s><p>y" * n,
    "Word list paragraphs": lambda n: ('<p class="MsoListParagraph"><![if !supportLists]>'
                                       '<span>·</span><![endif]>item</p>') * n,
}


# Our block, as replace_block is given it (the sentinel lines and one line between).
_BLOCK = f"<div><p>{START}</p><p>Agenda</p><p>{END}</p></div>"
# Bodies our block is put into (tests/unit/test_body.py: unterminated quotes and tags).
INVITES = {
    "unclosed quoted attrs": lambda n: '<a "' * n + ">",
    "lone <": lambda n: "<" * n + ">",
    "<div> then </span>": lambda n: "<div>" * n + "</span>" * n,
}


def _notes(n: int) -> str:
    """A body read as text whose Notes hold ``n`` pasted copies of our block's marker lines
    (tests/unit/test_notes_hostile.py)."""
    return "\n".join([START, "Notes", "Before the copies.", *[START, "x", END] * n,
                       "After them.", END])


def _read_notes(text: str) -> None:
    inner = block_text(text)
    assert inner is not None
    parse_block(inner, [], meeting_date=date(2026, 12, 8), manager_name="Sam Smith",
                report_name="Alex Jones")


def _time(name: str, size: int, work: Callable[[], object]) -> None:
    started = time.process_time()
    work()
    print(f"{name:34} {size:>10,} chars  {time.process_time() - started:6.3f} CPU-s")


def main() -> None:
    for name, make in SHAPES.items():
        for n in (2_000, 8_000, 32_000):
            html = make(n)
            _time(name, len(html), lambda html=html: html_to_text(html))
    for name, make in INVITES.items():
        for n in (5_000, 20_000, 80_000):
            html = make(n)
            _time(f"block into {name}", len(html), lambda html=html: replace_block(html, _BLOCK))
    for n in (10_000, 40_000, 160_000):
        text = _notes(n)
        _time("notes: pasted markers", len(text), lambda text=text: _read_notes(text))


if __name__ == "__main__":
    main()

"""How long the HTML-to-text reading of hostile markup takes as it grows (invite bodies and
mail go through it on every read). Prints CPU seconds per size: linear growth is the aim.

    python benchmarks/text.py
"""

from __future__ import annotations

import time

from service.domain.htmltext import html_to_text

SHAPES = {
    "unclosed <div ": lambda n: "<div " * n,
    "nested tables": lambda n: "<table><tr><td>x" * n,
    "nested strike + p": lambda n: "<s><p>y" * n,
    "Word list paragraphs": lambda n: ('<p class="MsoListParagraph"><![if !supportLists]>'
                                       '<span>·</span><![endif]>item</p>') * n,
}


def main() -> None:
    for name, make in SHAPES.items():
        for n in (2_000, 8_000, 32_000):
            html = make(n)
            started = time.process_time()
            html_to_text(html)
            took = time.process_time() - started
            print(f"{name:24} {len(html):>9,} chars  {took:6.3f} CPU-s")


if __name__ == "__main__":
    main()

"""Tables as text. In an invite's body (``rows=True``) a row of two or more cells is one
line, its cells tab-separated, as Outlook desktop (a <p> in every cell) and OWA write them; a
row of one cell (the agenda's layout) and a row holding a table of its own keep their lines.
In a mail's (the default) a cell's paragraphs stay lines, as its signature's are written."""

from __future__ import annotations

from service.domain.body import clean_line
from service.domain.htmltext import PARAGRAPH, html_to_text


def test_word_cells_with_paragraphs_make_one_line() -> None:
    """Word's <p class=MsoNormal> in each cell no longer puts each cell on its own line."""
    html = ("<table><tr><td><p class=MsoNormal>Who<o:p></o:p></p></td>"
            "<td><p class=MsoNormal>What<o:p></o:p></p></td></tr>"
            "<tr><td><p class=MsoNormal>Alex</p></td><td><p class=MsoNormal>book</p>"
            "<p class=MsoNormal>the course</p></td></tr></table>")
    text = html_to_text(html, rows=True)
    # A cell's paragraphs are kept apart (two actions typed one under the other stay two),
    # by a separator any other reader of the line takes for a space.
    assert text == f"Who\tWhat\r\nAlex\tbook{PARAGRAPH}the course"
    assert clean_line(text.split("\r\n")[1]) == "Alex book the course"


def test_empty_cells_keep_their_place() -> None:
    """An empty first cell still counts, so the columns line up with the header."""
    html = "<table><tr><td></td><td>b</td><td>c</td></tr></table>"
    assert html_to_text(html, rows=True) == "\tb\tc"


def test_layout_tables_keep_their_lines() -> None:
    """A one-cell row (the agenda's frame) and a row with a table inside stay as lines."""
    html = ("<table><tr><td><p>one</p><p>two</p>"
            "<table><tr><td>a</td><td>b</td></tr></table></td><td>x</td></tr></table>")
    assert html_to_text(html, rows=True).split("\r\n") == ["one", "two", "a\tb", "x"]


def test_unclosed_rows_and_cells() -> None:
    """Markup that never closes its rows reads as a browser shows it."""
    html = "<table><tr><td>a<td>b<tr><td>c<td>d</table>after"
    assert html_to_text(html, rows=True).split("\r\n") == ["a\tb", "c\td", "after"]


def test_a_deep_nest_of_tables_is_linear() -> None:
    """Thousands of nested tables (hostile markup) convert without blowing up."""
    html = "<table><tr><td>x" * 3000 + "<td>y"
    assert html_to_text(html, rows=True).startswith("x")
    assert html_to_text(html).startswith("x")


def test_a_mail_keeps_a_cells_lines() -> None:
    """A mail's signature laid out as a table (logo | name, title, phone) keeps its lines,
    so the signature cut still finds the line that is just the sender's name."""
    html = ("<table><tr><td><p class=MsoNormal><img src='cid:logo'></p></td>"
            "<td><p class=MsoNormal><b>Rob Report</b></p><p class=MsoNormal>Senior Engineer</p>"
            "<p class=MsoNormal>+44 20 7946 0000</p></td></tr></table>")
    assert [line.strip() for line in html_to_text(html).split("\r\n")] == [
        "Rob Report", "Senior Engineer", "+44 20 7946 0000"]
    assert html_to_text(html, rows=True) == PARAGRAPH.join(
        ("\tRob Report", "Senior Engineer", "+44 20 7946 0000"))

"""Text typed beside our marker lines, in the element that holds one, is never replaced with
the block: Outlook puts a soft return (<br>) or a wrapper <div> there, and what follows or
precedes the marker in it is the manager's."""

from __future__ import annotations

import pytest

from service.domain.body import BlockDamaged, find_block, replace_block
from tests.unit.test_notes import AGENDA_HTML

START = "── onetoone agenda starts · please keep this line ──"
END = "── onetoone agenda ends · please keep this line ──"


def body(block: str) -> str:
    return f"<html><body><p>Room 4.12</p>{block}<p>Teams</p></body></html>"


@pytest.mark.parametrize("edit", [
    (START, "Prep: ask about Q3 budget<br>" + START),
    (END, END + "<br>Prep: ask about Q3 budget"),
    (f'<p style="margin:6px 0 0 0;font-size:11px;color:#595959;">{END}</p>',
     f'<div class="elementToProof"><p style="margin:6px 0 0 0;">{END}</p>'
     "<p>Prep: ask about Q3 budget</p></div>"),
])
def test_text_typed_beside_a_marker_line_is_never_replaced(edit: tuple[str, str]) -> None:
    old, new = edit
    assert old in AGENDA_HTML
    html = body(AGENDA_HTML.replace(old, new))
    with pytest.raises(BlockDamaged):
        find_block(html)
    with pytest.raises(BlockDamaged):
        replace_block(html, AGENDA_HTML)


def test_the_block_alone_in_its_wrappers_is_still_replaced() -> None:
    """Our own wrapper, and Outlook's empty paragraphs around it, are the block's."""
    html = body(f'<div class="x_elementToProof"><div>{AGENDA_HTML}</div></div><p>&nbsp;</p>')
    replaced = replace_block(html, AGENDA_HTML.replace("Agenda by onetoone.", "Agenda v2."))
    assert "Agenda v2." in replaced and "Room 4.12" in replaced and "Teams" in replaced
    assert find_block(replaced) is not None

"""A picture in our block that we did not put there is a person's edit (the text
fingerprint cannot see it); one our own (organisation) template draws is not."""

from __future__ import annotations

from service.domain.body import media_added, replace_block
from tests.unit.test_body import BODY_OPEN, TAIL, TEAMS, agenda_html, exchange_rewrite

LOGO = '<p><img src="https://intranet.contoso.example/logo.png" alt="Contoso"></p>'
# Outlook desktop (Word) pastes a screenshot as VML for itself and an <img> for the rest.
WORD_PASTE = (
    "<p class=MsoNormal><!--[if gte vml 1]><v:shape id=\"Picture_x0020_1\" type=\"#_x0000_t75\">"
    "<v:imagedata src=\"cid:image001.png@01DB2C3A.5F1E2B10\" o:title=\"\"/></v:shape>"
    "<![endif]--><![if !vml]><img width=480 height=270 src=\"cid:image001.png@01DB2C3A.5F1E2B10\""
    " v:shapes=\"Picture_x0020_1\"><![endif]><o:p></o:p></p>"
)


def test_a_pasted_picture_in_the_block_is_an_edit() -> None:
    block = agenda_html()
    body = replace_block(BODY_OPEN + TEAMS + TAIL, block)
    assert not media_added(body, block)
    stored = exchange_rewrite(block)
    assert not media_added(BODY_OPEN + stored + TEAMS + TAIL, block)
    at = stored.index(">", stored.index('id="x_onetoone-notes"')) + 1
    pasted = stored[:at] + WORD_PASTE + stored[at:]
    assert media_added(BODY_OPEN + pasted + TEAMS + TAIL, block)


def test_a_picture_outside_the_block_or_drawn_by_the_template_is_not() -> None:
    block = agenda_html()
    body = replace_block(BODY_OPEN + WORD_PASTE + TEAMS + TAIL, block)
    assert not media_added(body, block)  # the manager's picture below our block: not in it
    with_logo = block.replace("</td>", LOGO + "</td>", 1)
    assert not media_added(replace_block(BODY_OPEN + TEAMS + TAIL, with_logo), with_logo)
    assert not media_added(BODY_OPEN + TEAMS + TAIL, block)  # no block yet

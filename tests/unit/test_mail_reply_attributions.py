"""The line a mail client writes above a quoted mail, in languages whose verb comes after
the sender's address (or that name no address): the line and the quote are not topics."""

from __future__ import annotations

import pytest

from service.domain.mail_reply import new_text
from service.domain.topic_lines import topic_lines

QUOTE = "\n\n> Hi Rob,\n> what would you like to talk about?"


@pytest.mark.parametrize("attribution", [
    # Gmail and Apple Mail, Portuguese
    "Em qui., 26 de nov. de 2026 às 09:00, Mia Manager <mia@contoso.example> escreveu:",
    "Em 26 de nov. de 2026, à(s) 09:00, Mia Manager <mia@contoso.example> escreveu:",
    # Gmail, Polish and Czech
    "czw., 26 lis 2026 o 09:00 Mia Manager <mia@contoso.example> napisał(a):",
    "čt 26. 11. 2026 v 9:00 odesílatel Mia Manager <mia@contoso.example> napsal:",
    # Gmail, Turkish (the address first); Thunderbird, Russian (no address)
    "Mia Manager <mia@contoso.example>, 26 Kas 2026 Per, 09:00 tarihinde şunu yazdı:",
    "26.11.2026 09:00, Mia Manager пишет:",
], ids=["pt-gmail", "pt-apple", "pl", "cs", "tr", "ru"])
def test_an_attribution_above_a_quote_in_any_language_is_cut(attribution: str) -> None:
    text = new_text(f"Budget\n\n{attribution}{QUOTE}", sender_name="Rob Report")
    assert topic_lines(text, reply=True).topics == ("Budget",)


def test_a_dated_line_of_ones_own_stays_when_no_quote_follows() -> None:
    """A topic naming a time and ending with a colon is the sender's, not an attribution."""
    body = "Budget review on 3 Mar 2026 at 10:00:\nWhat to bring"
    assert new_text(body, sender_name="Rob Report") == body


@pytest.mark.parametrize("html", [False, True], ids=["text", "html-nbsp"])
def test_a_run_of_spaces_after_wrote_is_read_in_linear_work(html: bool) -> None:
    """"wrote" then a huge run of spaces (Outlook writes a pasted layout as &nbsp;): the
    spaces were split every way between the attribution's parts, and this mail took hours.
    It is no attribution (no colon), so every line is the sender's."""
    pad = "&nbsp;" * 200_000 if html else " " * 200_000
    body = (f"<div>Budget</div><div>On Monday Sam wrote{pad}x</div><div>wrote{pad}y</div>"
            if html else f"Budget\nOn Monday Sam wrote{pad}x\nwrote{pad}y")
    lines = new_text(body, html=html, sender_name="Rob Report").splitlines()
    assert [" ".join(line.split()) for line in lines] == [
        "Budget", "On Monday Sam wrote x", "wrote y"]


def test_an_attribution_with_spaces_before_its_colon_is_still_cut() -> None:
    text = new_text(f"Budget\n\nOn Mon, 3 Mar 2026, Mia <mia@contoso.example>   wrote   :{QUOTE}",
                    sender_name="Rob Report")
    assert topic_lines(text, reply=True).topics == ("Budget",)

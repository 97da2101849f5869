"""The line a mail client writes above a quoted mail, in languages whose verb comes after
the sender's address (or that name no address): the line and the quote are not topics."""

from __future__ import annotations

import pytest

from service.domain.mail_reply import new_text, topic_lines

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

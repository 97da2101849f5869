"""Quoted history that must be cut, and the work the cut does on a long mail."""

from __future__ import annotations

import pytest

from service.domain import mail_reply
from service.domain.mail_reply import new_text
from service.domain.topic_lines import topic_lines


class _Counting(list):
    """A list that counts the elements read through indexing or slicing."""

    touched = 0

    def __getitem__(self, key):  # type: ignore[override]
        got = super().__getitem__(key)
        type(self).touched += len(got) if isinstance(key, slice) else 1
        return got


def test_a_long_mail_of_attribution_like_lines_is_scanned_in_linear_work() -> None:
    """Each "<date> Name <addr>:" line looks for the next written line; it must not copy
    the whole rest of the mail to find it (quadratic on a mail of tens of thousands of
    such lines)."""
    n = 4000
    lines = _Counting([*(f"2026-03-03 10:{i % 60:02d} Mia <mia@contoso.example>:"
                         for i in range(n)), "That's all"])
    _Counting.touched = 0
    assert mail_reply._before_history(lines) == list(lines)
    assert _Counting.touched < 20 * n


@pytest.mark.parametrize("body", [
    # Outlook desktop, Spanish and Portuguese UI, an internal sender (name only).
    "Presupuesto\n\nDe: Mia Manager\nEnviado el: martes, 3 de marzo de 2026 9:00\n"
    "Para: Rob Report\nAsunto: Your 1-2-1\n\nWhat would you like to talk about?",
    "Orçamento\n\nDe: Mia Manager\nEnviada em: terça-feira, 3 de março de 2026 09:00\n"
    "Para: Rob Report\nAssunto: Your 1-2-1\n\nWhat would you like to talk about?",
    # Japanese, Chinese and Russian UI, an internal sender (name only).
    "予算について\n\n差出人: Mia Manager\n送信日時: 2026年3月3日 9:00\n宛先: Rob Report\n"
    "件名: Your 1-2-1\n\nWhat would you like to talk about?",
    "预算\n\n发件人: Mia Manager\n发送时间: 2026年3月3日 9:00\n收件人: Rob Report\n"
    "主题: Your 1-2-1\n\nWhat would you like to talk about?",
    "Бюджет\n\nОт: Mia Manager\nОтправлено: 3 марта 2026 г. 9:00\nКому: Rob Report\n"
    "Тема: Your 1-2-1\n\nWhat would you like to talk about?",
], ids=["es", "pt", "ja", "zh", "ru"])
def test_a_quoted_outlook_header_naming_an_internal_sender_is_cut(body: str) -> None:
    """Replying to the prep mail from the same organisation, Outlook heads the quote with
    the sender's display name only: the quoted header and prep mail are not topics."""
    text = new_text(body, sender_name="Rob Report")
    assert topic_lines(text, reply=True).topics == (body.split("\n")[0],)


@pytest.mark.parametrize("body", [
    "Budget\n\nAm Di., 3. März 2026 um 09:00 Uhr schrieb Mia Manager <\n"
    "mia@contoso.example>:\n\n> Hallo Rob,\n> was möchtest du besprechen?",
    "Budget\n\nOp di 3 mrt 2026 om 09:00 schreef Mia Manager <\n"
    "mia@contoso.example>:\n\n> Hoi Rob,",
    "Budget\n\nLe mar. 3 mars 2026 à 09:00, Mia Manager <mia@contoso.example> a\n"
    "écrit :\n\n> Bonjour Rob,",
], ids=["de", "nl", "fr"])
def test_a_wrapped_attribution_in_other_languages_is_cut(body: str) -> None:
    """Gmail wraps a long attribution line; in German and Dutch the verb comes before the
    name, so the second line is only the address: neither line is a topic."""
    assert new_text(body, sender_name="Rob Report") == "Budget"


_PREP_SUBJECT = "Your 1-2-1 with Mia Manager on Tue 3 Mar: what would you like to talk about?"


def _topics(subject: str, body: str) -> tuple[str, ...]:
    """The topics a mail to the topics address adds (as jobs/topics_mail.py reads one)."""
    return topic_lines(new_text(body), subject=mail_reply.bare_subject(subject),
                       reply=mail_reply.is_reply(subject)
                       and not mail_reply.is_forward(subject)).topics


@pytest.mark.parametrize("prefix", [
    "RES:",  # Portuguese (Brazil)
    "Odp:",  # Polish
    "YNT:",  # Turkish
    "Antw:",  # Dutch
    "Vá:",  # Hungarian
    "ΑΠ:",  # Greek
    "答复：",  # Chinese (Simplified), full-width colon
    "回覆:",  # Chinese (Traditional)
    "RE: RES:",
])
def test_a_reply_to_the_prep_mail_in_outlooks_other_languages_adds_only_what_was_written(
        prefix: str) -> None:
    """Outlook writes "Re:" in the sender's language: a one-line reply to the prep mail is
    that one topic, never "RES: Your 1-2-1 with Mia …: what would you like to talk about?"
    on the agenda."""
    assert _topics(f"{prefix} {_PREP_SUBJECT}", "Quero falar sobre a minha promoção") == (
        "Quero falar sobre a minha promoção",)
    assert mail_reply.bare_subject(f"{prefix} Career chat") == "Career chat"


@pytest.mark.parametrize("prefix", ["ENC:", "PD:", "VB:", "VL:", "İLT:", "转发:", "ΠΡΘ:",
                                    "Doorst:"])
def test_a_forward_in_outlooks_other_languages_is_named_by_the_forwarded_subject(
        prefix: str) -> None:
    """A forward's subject is the forwarded mail's (what to talk about), without Outlook's
    prefix, in any of its languages."""
    assert mail_reply.is_forward(f"{prefix} Team restructure")
    assert _topics(f"{prefix} Team restructure", "can we talk about this?") == (
        "Team restructure: can we talk about this?",)

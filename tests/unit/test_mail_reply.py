"""The new text of a reply, its topics, and mail from machines: real-world shaped samples
(bodies as Graph returns them for ``Prefer: outlook.body-content-type="text"``)."""

from __future__ import annotations

import pytest

from service.domain.mail_reply import (
    bare_subject,
    forwarded_text,
    is_forward,
    is_reply,
    loop_reason,
    machine_reason,
    new_text,
    note_text,
)
from service.domain.topic_lines import MAX_TOPIC_CHARS, MAX_TOPICS, shorten, topic_lines
from service.domain.topics import (
    COMMENTS,
    PRIVATE,
    SUBJECT_TOKEN,
    TOPICS,
    addressed_tag,
    comments_address,
    plus_tag,
    private_address,
    topics_address,
)

CRLF = "\r\n"

OUTLOOK_DESKTOP = CRLF.join([
    "I'd like to talk about the team lead role.",
    "Also my training budget for next year.",
    "",
    "Thanks,",
    "Rob",
    "",
    "Rob Report | Senior Engineer",
    "Contoso Ltd | +44 20 7946 0000",
    "",
    "From: Mia Manager <mia@contoso.example>",
    "Sent: Tuesday, March 3, 2026 9:00 AM",
    "To: Rob Report <rob@contoso.example>",
    "Subject: Your 1-2-1 with Mia Manager, Thursday 5 March: what would you like to talk "
    "about?",
    "",
    "Hi Rob,",
    "Our 1-2-1 is on Thursday 5 March. What would you like to talk about?",
    "Mia",
])

OWA = CRLF.join([
    "Workload in December",
    "Career: the team lead role",
    "",
    "________________________________",
    "From: Mia Manager <mia@contoso.example>",
    "Sent: 03 March 2026 09:00",
    "To: Rob Report <rob@contoso.example>",
    "Subject: Your 1-2-1 with Mia Manager",
    "",
    "What would you like to talk about?",
])

OUTLOOK_MOBILE = CRLF.join([
    "The conference in May",
    "",
    "Get Outlook for iOS<https://aka.ms/o0ukef>",
    "________________________________",
    "From: Mia Manager <mia@contoso.example>",
    "Sent: Tuesday, March 3, 2026 9:00:12 AM",
    "To: Rob Report <rob@contoso.example>",
    "Subject: Your 1-2-1",
    "",
    "What would you like to talk about?",
])

GMAIL = "\n".join([
    "Hi Mia,",
    "",
    "1. Workload in December",
    "2. Holiday plans",
    "",
    "Cheers, Rob",
    "",
    "On Tue, 3 Mar 2026 at 09:00, Mia Manager <",
    "mia@contoso.example> wrote:",
    "",
    "> Hi Rob,",
    "> What would you like to talk about?",
])

IOS = "\n".join([
    "Pay review timing",
    "",
    "Sent from my iPhone",
    "",
    "> On 3 Mar 2026, at 09:00, Mia Manager <mia@contoso.example> wrote:",
    ">",
    "> \ufeffHi Rob,",
])

OUTLOOK_MAC = CRLF.join([
    "- Hiring plan",
    "- My objectives",
    "",
    "From: Mia Manager <mia@contoso.example>",
    "Date: Tuesday, 3 March 2026 at 09:00",
    "To: Rob Report <rob@contoso.example>",
    "Subject: Your 1-2-1",
])

OLD_OUTLOOK = CRLF.join([
    "Feedback on the launch",
    "",
    "-----Original Message-----",
    "From: Mia Manager",
    "What would you like to talk about?",
])


@pytest.mark.parametrize(("body", "wanted"), [
    (OUTLOOK_DESKTOP, ["I'd like to talk about the team lead role.",
                       "Also my training budget for next year."]),
    (OWA, ["Workload in December", "Career: the team lead role"]),
    (OUTLOOK_MOBILE, ["The conference in May"]),
    (GMAIL, ["Workload in December", "Holiday plans"]),
    (IOS, ["Pay review timing"]),
    (OUTLOOK_MAC, ["Hiring plan", "My objectives"]),
    (OLD_OUTLOOK, ["Feedback on the launch"]),
], ids=["outlook-desktop", "owa", "outlook-mobile", "gmail", "ios", "outlook-mac",
        "original-message"])
def test_a_replys_new_lines_are_its_topics(body: str, wanted: list[str]) -> None:
    """Quoted history, signatures, greetings and bullets never become topics."""
    text = new_text(body, sender_name="Rob Report")
    assert list(topic_lines(text, subject="Your 1-2-1", reply=True).topics) == wanted


def test_other_languages_quote_headers_are_cut() -> None:
    """French, German and Dutch Outlook headers and attributions end the new text."""
    for body in ("Mon sujet\nDe : Mia\nEnvoyé : mardi\nÀ : Rob\n\nVieux texte",
                 "Mein Thema\nVon: Mia\nGesendet: Dienstag\n\nAlter Text",
                 "Mijn onderwerp\nVan: Mia\nVerzonden: dinsdag\n\nOude tekst",
                 "Mon sujet\nLe mar. 3 mars 2026 à 09:00, Mia <mia@x.test> a écrit :\n> vieux"):
        assert new_text(body).split("\n") == [body.split("\n")[0]]


@pytest.mark.parametrize("header", [
    "Od: Sam Smith\nOdesláno: úterý 8. prosince 2026 10:00\nKomu: Rob Report",
    "Od: Sam Smith\nOdoslané: utorok 8. decembra 2026 10:00\nKomu: Rob Report",
    "Feladó: Sam Smith\nElküldve: 2026. december 8., kedd 10:00\nCímzett: Rob Report",
    "Kimden: Sam Smith\nGönderildi: 8 Aralık 2026 Salı 10:00\nKime: Rob Report",
    "De la: Sam Smith\nTrimis: marți, 8 decembrie 2026 10:00\nCătre: Rob Report",
    "Šalje: Sam Smith\nPoslano: utorak, 8. prosinca 2026. 10:00\nPrima: Rob Report",
    "Από: Sam Smith\nΣτάλθηκε: Τρίτη, 8 Δεκεμβρίου 2026 10:00 πμ\nΠρος: Rob Report",
    "Від: Sam Smith\nНадіслано: 8 грудня 2026 р. 10:00\nКому: Rob Report",
    "От: Sam Smith\nИзпратено: 8 декември 2026 г. 10:00\nДо: Rob Report",
    "Saatja: Sam Smith\nSaadetud: teisipäev, 8. detsember 2026 10:00\nAdressaat: Rob",
    "No: Sam Smith\nNosūtīts: otrdiena, 2026. gada 8. decembris 10:00\nKam: Rob Report",
    "Nuo: Sam Smith\nIšsiųsta: 2026 m. gruodžio 8 d. 10:00\nKam: Rob Report",
    "Dari: Sam Smith\nDikirim: Selasa, 08 Desember 2026 10.00\nKepada: Rob Report",
    "Từ: Sam Smith\nĐã gửi: Thứ Ba, 8 tháng 12 2026 10:00\nĐến: Rob Report",
    "מאת: Sam Smith\nנשלח: יום שלישי 08 דצמבר 2026 10:00\nאל: Rob Report",
    "보낸 사람: Sam Smith\n보낸 날짜: 2026년 12월 8일 화요일 오전 10:00\n받는 사람: Rob",
], ids=["cs", "sk", "hu", "tr", "ro", "hr", "el", "uk", "bg", "et", "lv", "lt", "id", "vi",
        "he", "ko"])
def test_outlooks_header_without_an_address_is_cut_in_its_languages(header: str) -> None:
    """Outlook quotes a colleague by display name only, in the reader's language: that
    header ends the new text, or the quoted prep mail becomes ten topics."""
    body = f"Rozpočet na příští rok\n\n{header}\nSubject: 1-2-1\n\nHi Rob,\nwhat would you " \
           "like to talk about?\nAnything else"
    assert new_text(body) == "Rozpočet na příští rok"


@pytest.mark.parametrize("body", [
    "Хочу обсудить бюджет\n\nОт: Mia Manager <mia@contoso.example>\nОтправлено: 1 декабря "
    "2026 г. 9:00\nКому: Rob <rob@contoso.example>\nТема: 1-2-1\n\nHi Rob,\nwhat would you "
    "like to talk about?",
    "予算について\n\n差出人: Mia Manager <mia@contoso.example>\n送信日時: 2026年12月1日 9:00\n"
    "宛先: Rob\n件名: 1-2-1\n\nHi Rob",
    "Orçamento\n\nDe: Mia Manager <mia@contoso.example>\nEnviada em: terça-feira, 1 de "
    "dezembro de 2026 09:00\nPara: Rob\nAssunto: 1-2-1\n\nHi Rob",
    "Rozpočet\nOd: mia@contoso.example\nOdesláno: 1. prosince 2026 9:00\nKomu: Rob\n\nHi",
    "Budget\nFra: Mia Manager [mailto:mia@contoso.example]\nSendt: 1. desember 2026 09:00\n"
    "Til: Rob\nEmne: 1-2-1",
    "予算について\n\n2026年12月1日(火) 9:00 Mia Manager <mia@contoso.example>:\n> Hi Rob",
])
def test_quote_headers_in_any_language_are_cut(body: str) -> None:
    """Russian, Japanese, Portuguese, Czech, Norwegian headers (and an attribution naming
    the sender's address) end the new text by their shape, not by a list of words: the
    quoted prep mail never becomes topics."""
    assert new_text(body).split("\n") == [body.split("\n")[0]]


@pytest.mark.parametrize("body", [
    "Contact: rob@contoso.example about the offsite\nBudget: Q1 2027\nHiring: next role",
    "Topics for Thursday:\nIntro to: jane@fabrikam.com\nBudget: Q1 2027 numbers\n"
    "Hiring: next role\nTraining plan",
    "Things to cover\nMentor: Sam Lee <sam.lee@contoso.com>\nCourse: starts 09:30 Monday\n"
    "Cost: 400 GBP\nPromotion case",
    "Ask Mia <mia@contoso.com>:\nwhether the offsite is on",
])
def test_a_reports_own_label_lines_are_not_a_quote_header(body: str) -> None:
    """"Label: …" lines, one naming an address, are topics, not a header block."""
    assert new_text(body) == body


def test_an_interleaved_reply_keeps_the_lines_between_quotes() -> None:
    """A plain-text reply written between quoted lines keeps what was written."""
    body = "> What would you like to talk about?\nMy promotion case\n> Anything else?\nCover"
    assert new_text(body) == "My promotion case\nCover"


@pytest.mark.parametrize("attribution", [
    "On Thu, 26 Nov 2026 at 09:00, Mia Manager <mia@contoso.example> wrote:",
    "On Thu, 26 Nov 2026 at 09:00, Mia Manager <mia@contoso.example>\nwrote:",
    "26.11.2026 09:00, Mia Manager <mia@contoso.example> пишет:",
])
def test_a_bottom_posted_reply_keeps_what_is_below_the_quote(attribution: str) -> None:
    """A reply written below the quote (plain-text clients, Thunderbird's default) is not
    "no new text": what is under the ``>`` quote is what the report wrote."""
    body = (f"{attribution}\n> Hi Rob,\n> what would you like to talk about?\n>\n\n"
            "Workload in December\nThe team lead role\n\n-- \nRob Report\n")
    assert new_text(body, sender_name="Rob Report") == (
        "Workload in December\nThe team lead role")
    # An Outlook header block quotes nothing: what is below it is the history, never taken.
    assert new_text("\nFrom: Mia Manager <mia@contoso.example>\nSent: Thursday, 26 November "
                    "2026 09:00\nTo: Rob\nSubject: Your 1-2-1\n\nWhat would you like?") == ""
    assert new_text(f"{attribution}\n> Hi Rob,\n> anything?") == ""


def test_disclaimers_banners_and_placeholders_are_dropped() -> None:
    """A company disclaimer, an external-mail banner, the first-contact safety tip and an
    inline image placeholder are not what the person wrote."""
    body = CRLF.join([
        "CAUTION: This email originated from outside of the organization.",
        "You don't often get email from rob@contoso.example. Learn why this is important",
        "Budget for the offsite [cid:image001.png@01DA1234.ABCD5678]",
        "",
        "This email and any attachments are confidential and intended solely for the "
        "addressee. If you are not the intended recipient, delete it.",
        "Registered in England No. 123456",
    ])
    assert new_text(body) == "Budget for the offsite"


def test_a_dash_dash_signature_and_the_senders_name_are_dropped() -> None:
    """The RFC 3676 '-- ' separator ends the text; a last line that is only the sender's
    first name is a sign-off too."""
    assert new_text("Topic one\n-- \nRob Report\nEngineer") == "Topic one"
    assert new_text("Topic one\nTopic two\n\nRob", sender_name="Rob Report") == (
        "Topic one\nTopic two")


def test_sign_off_words_inside_topics_are_kept() -> None:
    """Only a closing sign-off goes: topics that start with such words stay."""
    body = "Workload\nBest way to onboard Sam\nThanks for the feedback last week\nTraining"
    assert new_text(body).split("\n") == body.split("\n")
    assert new_text("Hello world project\nBudget").split("\n")[0] == "Hello world project"


def test_a_sign_off_followed_by_a_long_paragraph_is_not_a_signature() -> None:
    """'Thanks,' followed by more than a name block is part of what they wrote."""
    body = "Thanks,\n" + "\n".join(f"point {n}" for n in range(8))
    assert new_text(body) == body


def test_a_mail_that_is_only_a_sign_off_has_no_text() -> None:
    """'Thanks!' alone adds nothing (and so gets no reply)."""
    assert new_text("Thanks!\n\nSent from my iPhone") == ""
    assert topic_lines(new_text("Thanks!")).topics == ()


def test_html_replies_are_cut_at_the_clients_divider() -> None:
    """When a body arrives as HTML, the reply dividers Outlook, OWA, Gmail and Apple Mail
    write end the new text, and scripts and tags never reach it."""
    owa = ('<div>Workload<br></div><div id="Signature"><p>Rob | Engineer</p></div>'
           '<div id="appendonsend"></div><hr style="display:inline-block;width:98%">'
           '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Mia<br><b>Sent:</b> x</div>'
           '<div>What would you like to talk about?</div>')
    gmail = ('<div dir="ltr">Holiday plans<script>alert(1)</script></div><br>'
             '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Mia wrote:'
             '</div><blockquote class="gmail_quote">Old</blockquote></div>')
    apple = ('<html><body><div>Pay <b>review</b></div><div><br><blockquote type="cite">'
             'On 3 Mar, Mia wrote:<br>Old</blockquote></div></body></html>')
    desktop = ('<div class="WordSection1"><p class="MsoNormal">Objectives</p>'
               '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm">'
               '<p class="MsoNormal"><b>From:</b> Mia<br><b>Sent:</b> x</p></div></div>')
    assert new_text(owa, html=True) == "Workload"
    assert new_text(gmail, html=True) == "Holiday plans"
    assert new_text(apple, html=True) == "Pay review"
    assert new_text(desktop, html=True) == "Objectives"


def test_topics_are_capped_and_long_lines_shortened() -> None:
    """At most MAX_TOPICS lines become topics; a long line ends in an ellipsis."""
    body = "\n".join(f"topic {n}" for n in range(MAX_TOPICS + 3))
    lines = topic_lines(body)
    assert len(lines.topics) == MAX_TOPICS and lines.dropped == 3
    long = topic_lines("word " * 200)
    assert len(long.topics[0]) <= MAX_TOPIC_CHARS and long.topics[0].endswith("…")
    assert long.shortened == 1
    assert shorten("short", 10) == "short"


def test_the_subject_is_the_topic_of_a_fresh_mail_only() -> None:
    """A new mail may put its topic in the subject; a reply's subject is never a topic;
    generic subjects (the agenda link's 'Topic for our 1-2-1') are not topics."""
    assert topic_lines("", subject="Career chat").topics == ("Career chat",)
    assert topic_lines("Team lead role?", subject="Career chat").topics == (
        "Career chat: Team lead role?",)
    assert topic_lines("A\nB", subject="Career chat").topics == (
        "Career chat: A", "Career chat: B")
    assert topic_lines("Workload", subject="Topic for our 1-2-1").topics == ("Workload",)
    assert topic_lines("", subject="Your 1-2-1 with Mia", reply=True).topics == ()
    assert is_reply("RE: Your 1-2-1") and is_reply("Fwd: x") and not is_reply("Career")
    assert bare_subject("Re: Career chat [1-2-1 0123456789]", SUBJECT_TOKEN) == "Career chat"


def test_a_forward_keeps_the_mail_it_forwards() -> None:
    """Forwarding is not answering: the forwarded mail (header and all) is kept below what
    was typed above it, whichever client forwarded it; a reply to a forward is a reply."""
    assert is_forward("FW: Time off") and is_forward("Fwd: x") and is_forward("WG: x")
    assert not is_forward("RE: FW: Time off") and not is_forward("Fwiw: budget")
    outlook = ("For the record.\n\nMia Manager\nHead of Engineering\n\n" + "_" * 32 + "\n"
               "From: Rob Report <rob@contoso.example>\nSent: Tuesday, December 1, 2026 4:12 PM"
               "\nTo: Mia Manager <mia@contoso.example>\nSubject: Time off\n\n"
               "Hi Mia, I need Friday off.\n")
    assert forwarded_text(outlook, sender_name="Mia Manager") == (
        "For the record.\n\nFrom: Rob Report <rob@contoso.example>\nSent: Tuesday, "
        "December 1, 2026 4:12 PM\nTo: Mia Manager <mia@contoso.example>\nSubject: Time off"
        "\n\nHi Mia, I need Friday off.")
    gmail = ("---------- Forwarded message ---------\nFrom: Rob <rob@example.com>\n"
             "Date: Tue, 1 Dec 2026 at 16:12\nSubject: Time off\n\nHi Mia")
    assert forwarded_text(gmail) == gmail


def test_hostile_text_stays_text() -> None:
    """Markup typed as text, our own marker words and odd code points are kept verbatim
    (the templates escape them); nothing raises."""
    body = "<script>alert('x')</script> ONETOONE-AGENDA-END\u202e\ud800 &amp;"
    assert new_text(body) == body
    assert note_text("x" * 9000).endswith("…") and len(note_text("x" * 9000)) == 8000
    assert new_text("") == "" and new_text("\r\n\r\n") == ""


@pytest.mark.parametrize(("subject", "headers", "reason"), [
    ("Automatic reply: Your 1-2-1", [], "automatic (subject)"),
    ("Out of Office: back Monday", [], "automatic (subject)"),
    ("Undeliverable: Re: topics", [], "automatic (subject)"),
    ("Workload", [("Auto-Submitted", "auto-replied")], "automatic (Auto-Submitted: auto-replied)"),
    ("Workload", [("X-Auto-Response-Suppress", "All")], "automatic (X-Auto-Response-Suppress)"),
    ("Workload", [("Precedence", "bulk")], "automatic (Precedence: bulk)"),
    ("Workload", [("precedence", "auto_reply")], "automatic (Precedence: auto_reply)"),
    ("Workload", [("List-Id", "<team.contoso.example>")], "automatic (List-Id)"),
    ("Workload", [("Content-Type", "multipart/report; report-type=delivery-status")],
     "a delivery or read report"),
])
def test_mail_from_machines_is_recognised(subject, headers, reason) -> None:
    """Out-of-office replies, bounces and lists, by their headers or subject."""
    assert machine_reason(subject, headers) == reason


def test_mail_from_people_is_not_taken_for_a_machine() -> None:
    """Auto-Submitted: no and ordinary headers are a person's mail."""
    assert machine_reason("Workload", [("X-Auto-Response-Suppress", "None")]) is None
    assert machine_reason("Re: Your 1-2-1", [("Auto-Submitted", "no"),
                                             ("Message-ID", "<a@b>"),
                                             ("Content-Type", "multipart/alternative")]) is None


def test_our_own_mail_coming_back_is_a_loop() -> None:
    """From the service mailbox (or one of its plus-addresses), or carrying our header."""
    box = "onetoone@contoso.example"
    assert loop_reason(box, box, [], "x-onetoone-key")
    assert loop_reason("OneToOne+abc@contoso.example", box, [], "x-onetoone-key")
    assert loop_reason("rob@contoso.example", box, [("X-OneToOne-Key", "1:summary")],
                       "x-onetoone-key") == "one of our own mails"
    assert loop_reason("rob@contoso.example", box, [], "x-onetoone-key") is None
    assert loop_reason("onetoone@elsewhere.example", box, [], "x-onetoone-key") is None


def test_plus_addresses_name_what_a_mail_is_for() -> None:
    """Topics, one meeting's comments and private notes each have their address; other
    mailboxes' and malformed plus-addresses are not ours."""
    box = "OneToOne@Contoso.example"
    topics = topics_address(box, "pair-1")
    comments = comments_address(box, "pair-1", 42)
    private = private_address(box, "pair-1")
    assert plus_tag(topics, box).kind == TOPICS
    tag = plus_tag(comments.upper(), box)
    assert tag.kind == COMMENTS and tag.occurrence_id == 42
    assert plus_tag(private, box).kind == PRIVATE
    assert len({plus_tag(a, box).token for a in (topics, comments, private)}) == 3
    assert comments_address(box, "pair-1", 43) != comments
    for other in ("someone+0123456789@contoso.example", "onetoone+0123456789@other.example",
                  "onetoone+c.x.0123456789@contoso.example", "onetoone@contoso.example",
                  "onetoone+book.abc.1@contoso.example"):
        assert plus_tag(other, box) is None
    assert addressed_tag(("rob@x.test",), box, "Topic [1-2-1 0123456789]").token == "0123456789"
    assert addressed_tag(("rob@x.test",), box, "Topic") is None
    # Sent to both: private first, whatever the order (words meant to stay in the database
    # must not go into the report's agenda as topics).
    for order in ((topics, private), (private, topics), (comments, topics, private)):
        assert addressed_tag(order, box, "Topic").kind == PRIVATE
    assert addressed_tag((comments, topics), box, "Topic").kind == COMMENTS

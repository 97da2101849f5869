"""What a person wrote in a mail: the new text of a reply, its topic lines, and whether a
machine sent it. Pure: the mail's parts are arguments.

Mail reaches us as HTML (``Prefer: outlook.body-content-type="html"``: the HTML shows where
a quote ends, which Exchange's text rendering need not; a plain-text mail comes converted,
its ``>`` lines kept), or as text from a server that ignores that. The heuristics, in the
order they run:

1. HTML only: what is above the first reply divider or signature block a mail client writes
   (``service.domain.mail_html``), and what is below or between the quotes it opens
   (a reply written below ``<blockquote type="cite">``, Gmail's or Thunderbird's quote).
2. Quoted history: the text is cut at the first quoted-message header: a ``From:`` line
   followed within five lines by ``Sent:``/``Date:`` (Outlook desktop, OWA, Outlook for Mac and
   mobile; also in Outlook's other languages, from French and German to Czech, Turkish, Greek,
   Ukrainian, Korean and Japanese), ``-----Original Message-----`` and its Android/Gmail
   forwarding cousins, or an attribution such as ``On Tue, 3 Mar 2026 at 09:00, Mia <mia@…>
   wrote:`` (Gmail, Apple Mail, iOS; it may wrap onto a second line; a few other languages
   too), and above a quote, in any language, a line ending with a colon that names a time
   beside an address or a year (``… Mia <mia@…> escreveu:``, ``26.11.2026 09:00, Mia пишет:``).
   Lines starting with ``>`` are dropped wherever they are (an interleaved reply keeps the
   lines between them, one bottom-posted what is below its attribution's ``>`` quote).
3. Signatures: everything from a ``--`` line, a line of underscores, a mobile signature ("Sent
   from my iPhone", "Get Outlook for iOS") or a disclaimer opening ("This email and any
   attachments…", "If you are not the intended recipient…") onwards; a sign-off ("Thanks",
   "Kind regards,", "Cheers, Rob", "Thanks Mia!", "See you Tuesday") after what was said,
   then at most six short non-sentence lines (a name, a title, a phone number); an
   auto-signature with no sign-off above it (the sender's name, then at most six such lines,
   ending the mail); and a last line that is only the sender's name. A sign-off with only a
   greeting before it opens the mail ("Thanks!" then the topics) unless the sender's name
   follows it; a mail that is then only greetings, thanks and acknowledgements ("Great,
   thanks!", "Got it", "👍": the answer to our acknowledgement) said nothing. (The words
   are in ``service.domain.mail_phrases``; which of the lines left are topics,
   ``service.domain.topic_lines`` decides.)
4. Noise: external-sender banners, "You don't often get email from…", inline-image
   placeholders (``[cid:image001.png@…]``) and invisible characters.

A mail from a machine (an out-of-office, a bounce, a list) is recognised by its headers
(``Auto-Submitted`` other than ``no``, ``X-Auto-Response-Suppress``, ``Precedence`` bulk, junk,
list or auto_reply, ``X-Autoreply``, ``List-Id``, ``X-MS-Exchange-Inbox-Rules-Loop``, a
``multipart/report`` body) or its subject ("Automatic reply:", "Undeliverable:").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.domain.htmltext import html_to_text
from service.domain.mail_html import written_html
from service.domain.mail_phrases import (
    SIGNATURE_LINE_CHARS,
    is_acknowledgement,
    is_opener,
    is_sign_off,
)

MAX_NOTE_CHARS = 8000  # a comment or a private note
ELLIPSIS = "…"

# -- quoted history --------------------------------------------------------------------------

# Outlook writes its quoted header in the reader's language, and for a colleague with a
# display name only ("From: Sam Smith"): the language-free test below needs an address, so
# these words are what cuts an internal reply's history in each of Outlook's languages.
_FROM = re.compile(r"^\W{0,2}(from|de|de la|von|van|da|från|fra|od|lähettäjä|от|від|από"
                   r"|feladó|kimden|šalje|saatja|no|nuo|dari|từ|מאת|من|보낸 사람"
                   r"|差出人|发件人|寄件者)\W{0,2}\s*[:：]", re.I)
_SENT = re.compile(r"^\W{0,2}(sent|date|envoyé|gesendet|datum|verzonden|enviado( el)?"
                   r"|enviada em|fecha|inviato|data|skickat|sendt|wysłano|lähetetty"
                   r"|odesláno|odoslané|elküldve|gönderildi|trimis|poslano|poslato|enviat"
                   r"|saadetud|nosūtīts|išsiųsta|dikirim|đã gửi|στάλθηκε|надіслано"
                   r"|изпратено|отправлено|נשלח|تاريخ الإرسال|보낸 날짜"
                   r"|送信日時|发送时间|寄件日期)\W{0,2}\s*[:：]", re.I)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|message d'origine|ursprüngliche nachricht"
    r"|oorspronkelijk bericht|mensaje original|messaggio originale|forwarded message"
    r"|weitergeleitete nachricht)\s*-{2,}|begin forwarded message:)", re.I)
# The spaces after the verb and before the colon are taken whole (``++``, ``*+``): "wrote"
# then a run of spaces or &nbsp; was split every way between them and ``.{0,80}``
# (quadratic: 20,000 spaces in one reply took minutes). What they match is the same.
_ATTRIBUTION = re.compile(
    r"^\s*(on\b.{0,200}\bwrote|le\b.{0,200}\ba écrit|am\b.{0,200}\bschrieb"
    r"|el\b.{0,200}\bescribió|il giorno\b.{0,200}\bha scritto|op\b.{0,200}\bschreef)"
    r"(\s++.{0,80})?\s*+:\s*$", re.I)
_ATTRIBUTION_START = re.compile(r"^\s*(on|le|am|el|il giorno|op)\s+\S", re.I)
_ATTRIBUTION_END = re.compile(r"\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef)"
                              r"(\s++.{0,80})?\s*+:\s*$", re.I)

# Language-free: a "Label: value" line (a label of up to three words), an address, and the
# end of the attribution line a mail client writes above a quote ("… Mia <mia@…>:").
_HEADER_LINE = re.compile(r"^\W{0,2}[^\W\d_][\w.'’-]*(?:\s[\w.'’-]+){0,2}\W{0,2}\s*[:：]\s*\S")
_TIME = re.compile(r"(?<!\d)\d{1,2}[:.]\d{2}(?!\d)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_WHEN = re.compile(f"{_TIME.pattern}|{_YEAR.pattern}")
_ADDR = r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"
# A sender as a header gives one: a name and an address, or an address alone.
_SENDER_VALUE = re.compile(rf"[:：]\s*(?:[^<>\[\]]{{0,80}}(?:<{_ADDR}>|\[mailto:{_ADDR}\])"
                           rf"|{_ADDR})\s*$")
_COLON_END = re.compile(r"[:：]\s*$")

# -- signatures, disclaimers and noise -------------------------------------------------------

_DASHES = re.compile(r"^\s*--\s*$")
_RULE = re.compile(r"^\s*[_=]{5,}\s*$")
_MOBILE = re.compile(
    r"^\s*(sent from my \w+|sent from (outlook|mail|yahoo mail|samsung)\b"
    r"|get outlook for (ios|android)|envoyé de mon|von meinem \w+ gesendet"
    r"|verzonden vanaf mijn|enviado desde mi)", re.I)
_DISCLAIMER = re.compile(
    r"^\s*(this (e-?mail|message|communication)( and any (attachments?|files))?"
    r"( \(including any attachments\))? (is|are|may be|contains?) (confidential|private|"
    r"intended|privileged|for the)|this (e-?mail|message) and any|the information (contained )?"
    r"in this (e-?mail|message)|confidentiality (notice|note|statement)|disclaimer\s*:"
    r"|if you are not the intended recipient|if you have received this (e-?mail|message)"
    r" in error|privileged and confidential|please consider the environment"
    r"|this e-?mail has been (scanned|checked)|registered in england|registered office\s*:)",
    re.I)
_BANNER = re.compile(
    r"^\s*(\[?external\]?\s*(e-?mail|sender)?\s*[:\-\]]|caution\s*:|warning\s*:\s*external"
    r"|this (e-?mail|message) originated from outside|you don'?t often get (e-?mail|messages)"
    r" from)", re.I)
_CID = re.compile(r"\[cid:[^\]]*\]", re.I)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
SIGNATURE_LINES = 6


def new_text(body: str, *, html: bool = False, sender_name: str = "") -> str:
    """The part of a mail its sender wrote now: no quoted history, signature, disclaimer,
    banner or image placeholder. Line breaks are kept; blank runs become one blank line."""
    if html:
        body = html_to_text(written_html(body))
    lines = _INVISIBLE.sub("", _CID.sub("", body or "")).replace("\r\n", "\n").split("\n")
    above = _before_history(lines)
    if not "".join(above).strip():  # bottom-posted: what is written is below a "> " quote
        above = next((_before_history(lines[j:]) for j in range(len(above) + 1, min(
            len(above) + 4, len(lines))) if lines[j].lstrip().startswith(">")), [])
    lines = [line.rstrip() for line in above
             if not line.lstrip().startswith(">") and not _BANNER.match(line)]
    lines = _before_signature(lines)
    lines = _without_sign_off(lines, sender_name)
    out: list[str] = []
    for line in lines:
        if line.strip() or (out and out[-1].strip()):
            out.append(line if line.strip() else "")
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def _before_history(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line) or _ATTRIBUTION.match(line):
            return lines[:i]
        if (_ATTRIBUTION_START.match(line) and i + 1 < len(lines) and len(line) < 200
                and (_ATTRIBUTION_END.search(lines[i + 1])
                     or _wrapped_attribution(line, lines[i + 1]))):
            return lines[:i]
        if _FROM.match(line) and any(_SENT.match(n) for n in lines[i + 1:i + 6]):
            return lines[:i]
        if _header_block(lines, i) or (_dated_attribution(line)
                                       and _quote_follows(lines, i)):
            return lines[:i]
    return lines


def _wrapped_attribution(line: str, following: str) -> bool:
    """An attribution wrapped after the verb ("Am … schrieb Mia <" / "mia@…>:"), or inside
    it ("… a" / "écrit :"): the two lines make one that names an address and a time."""
    joined = f"{line.rstrip()} {following.strip()}"
    return (len(following) < 200 and _ATTRIBUTION.match(joined) is not None
            and re.search(_ADDR, joined) is not None and _WHEN.search(joined) is not None)


def _dated_attribution(line: str) -> bool:
    """The line a mail client writes above a quote, in any language: it ends with a colon
    and names a time or a date beside an address ("… Mia <mia@…> escreveu:", "… Mia
    <mia@…> napisał(a):"), or a time and a year ("26.11.2026 09:00, Mia пишет:")."""
    if len(line) >= 250 or _COLON_END.search(line) is None:
        return False
    if re.search(_ADDR, line) is not None:
        return _WHEN.search(line) is not None
    return _TIME.search(line) is not None and _YEAR.search(line) is not None


def _quote_follows(lines: list[str], i: int) -> bool:
    """The next line written is quoted ("> ...") or there is none: what a mail client's
    attribution line ("<date> Mia <mia@…>:") stands above."""
    for j in range(i + 1, len(lines)):  # only as far as the next written line
        if lines[j].strip():
            return lines[j].lstrip().startswith(">")
    return True


def _header_block(lines: list[str], i: int) -> bool:
    """A quoted mail's header block in any language ("От:", "差出人:", "Od:" ...): at least
    three "Label: value" lines in a row from ``i``, the first giving a sender (a name and
    an address, or an address) and the next when it was sent (a time and a year), as Outlook
    writes them. A report's own "Budget: …" lines are not one."""
    if not (_HEADER_LINE.match(lines[i]) and _SENDER_VALUE.search(lines[i])):
        return False
    block = [lines[i]]
    for line in lines[i + 1:i + 6]:
        if not _HEADER_LINE.match(line):
            break
        block.append(line)
    return (len(block) >= 3 and _TIME.search(block[1]) is not None
            and _YEAR.search(block[1]) is not None)


def _before_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if (_DASHES.match(line) or _RULE.match(line) or _MOBILE.match(line)
                or _DISCLAIMER.match(line)):
            return lines[:i]
    return lines


def _without_sign_off(lines: list[str], sender_name: str) -> list[str]:
    """Drop a closing sign-off and the signature under it (or a signature alone); then a
    last line that is just the sender's name. A mail that is then only greetings, thanks and
    acknowledgements said nothing."""
    thanked = any(is_sign_off(line) or is_acknowledgement(line) for line in lines)
    lines = _before_name_signature(_before_closing(lines, sender_name), sender_name)
    names = _names(sender_name)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) > 1 and _plain(lines[filled[-1]]) in names:
        lines = lines[:filled[-1]]
    if thanked and all(is_opener(line) for line in lines if line.strip()):
        return []
    return lines


def _before_name_signature(lines: list[str], sender_name: str) -> list[str]:
    """The lines before an auto-signature with no sign-off above it: the sender's name
    ("Rob Report", "Rob Report | Engineer"; the first name alone only after something was
    said) and at most six more lines short enough to be a signature, ending the mail."""
    full = _plain(sender_name)
    if not full:
        return lines
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for n in range(max(0, len(filled) - SIGNATURE_LINES - 1), len(filled) - 1):
        line = lines[filled[n]]
        if " " in full and (_plain(line) == full or re.match(
                rf"{re.escape(full)}\s*[|,/•·(–—-]", " ".join(line.split()).lower())):
            named = True
        else:  # the first name alone: only under something said ("Rob" heading a mail)
            named = (_plain(line) == full.split()[0]
                     and any(not is_opener(lines[i]) for i in filled[:n]))
        if named and all(_signature_like(lines[i]) for i in filled[n + 1:]):
            return lines[:filled[n]]
    return lines


def _before_closing(lines: list[str], sender_name: str) -> list[str]:
    """The lines before the sign-off that closes the mail, if one does. A sign-off closes
    it when what follows is short enough to be a signature (a name, a title, a phone
    number). After only a greeting it opens the mail instead ("Thanks!" then the topics),
    unless the sender's name follows it straight away ("Thanks,\nRob\nEngineer")."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    first = max(0, len(filled) - SIGNATURE_LINES - 1)
    for n in range(first, len(filled)):
        if not _signs_off(lines[filled[n]], sender_name):
            continue
        after = [lines[i] for i in filled[n + 1:]]
        if len(after) > SIGNATURE_LINES or not all(_signature_like(line) for line in after):
            continue
        said = any(not is_opener(lines[i]) for i in filled[:n])
        if said or (after and _is_name_line(after[0], sender_name)):
            return lines[:filled[n]]
    return lines


def _signs_off(line: str, sender_name: str) -> bool:
    """A sign-off, or one signed with the sender's own name however it is typed ("thanks -
    rob report": after a dash only a capitalised name is taken for one, as "Thanks - pay
    review" ends with a topic)."""
    if is_sign_off(line):
        return True
    text = " ".join(line.split())
    for name in _names(sender_name):
        if len(name) > 1 and len(text) > len(name) and text.lower().endswith(name):
            rest = text[:-len(name)]
            if not rest[-1:].isalnum() and is_sign_off(rest):
                return True
    return False


def _signature_like(line: str) -> bool:
    """Short, and not a sentence: a name, a title, a company, a phone number."""
    text = line.strip()
    if len(text) > SIGNATURE_LINE_CHARS or text.endswith("?"):
        return False
    return len(text.split()) < 5 or text[-1] not in ".!"


def _is_name_line(line: str, sender_name: str) -> bool:
    """The sender's name, alone or heading a signature line ("Rob Report | Engineer")."""
    names = _names(sender_name)
    if _plain(line) in names:
        return True
    text = " ".join(line.split()).lower()
    return any(len(name) > 1 and re.match(rf"{re.escape(name)}\s*[|,/•·(–—-]", text)
               for name in names)


def _names(sender_name: str) -> set[str]:
    full = _plain(sender_name)
    if not full:
        return set()
    first = full.split()[0]
    return {full, first, first[:1]} if len(first) > 1 else {full, first}


def _plain(text: str) -> str:
    return re.sub(r"[\s,.!\-–—~]+", " ", text).strip().lower()


# Outlook writes its "RE:" and "FW:" in the sender's language: answering, "AW:" (German), "SV:"
# (Swedish, Danish, Norwegian), "VS:" (Finnish), "R:"/"RIF:" (Italian), "RES:" (Brazilian
# Portuguese), "Odp:" (Polish, Czech), "YNT:" (Turkish), "Antw:" (Dutch), "Vá:" (Hungarian),
# "ΑΠ:"/"ΣΧΕΤ:" (Greek), "答复:"/"回复:"/"回覆:" (Chinese), "השב:" (Hebrew), "Odg:" (Croatian,
# Serbian, Slovenian); forwarding, see _FORWARDS. A reply not known as one names its topic in
# its subject: a one-line answer to the prep mail put "RES: Your 1-2-1 with Mia … what would
# you like to talk about?: <the line>" on the agenda. (A colon may be full-width in CJK.)
_FORWARDS = (r"fw|fwd|wg|tr|rv|i|enc|pd|vb|vl|doorst|ilt|İlt|tov|továbbítás|πρθ|转发|轉寄"
             r"|הועבר|prosl")
_REPLIES = r"re|aw|sv|vs|r|rif|res|odp|ynt|antw|vá|απ|σχετ|答复|回复|回覆|השב|odg"
_REPLY_PREFIX = re.compile(rf"^\s*(({_REPLIES}|{_FORWARDS})\s*(\[\d+\])?\s*[:：]\s*)+", re.I)


def is_reply(subject: str) -> bool:
    """Whether the subject says the mail answers (or forwards) another one."""
    return bool(_REPLY_PREFIX.match(subject or ""))


# Forwarding, not answering: Outlook's "FW:", Gmail's "Fwd:", German "WG:", French "TR:",
# Spanish "RV:", Italian "I:", Brazilian Portuguese "ENC:", Polish "PD:", Swedish "VB:",
# Finnish "VL:", Dutch "Doorst:", Turkish "İLT:", Hungarian "Továbbítás:", Greek "ΠΡΘ:",
# Chinese "转发:"/"轉寄:", Hebrew "הועבר:", Croatian "Prosl:" (the first prefix decides: "RE:
# FW: …" answers a forward; Danish and Norwegian "VS:" is Finnish "VS:", a reply).
_FORWARD_PREFIX = re.compile(rf"^\s*({_FORWARDS})\s*(\[\d+\])?\s*[:：]", re.I)


def is_forward(subject: str) -> bool:
    """Whether the subject says the mail forwards another one (its subject is that mail's,
    and the mail below is what the sender means to pass on, not history to drop)."""
    return bool(_FORWARD_PREFIX.match(subject or ""))


def forwarded_text(body: str, *, html: bool = False, sender_name: str = "") -> str:
    """A forwarded mail as a record keeps it: what the sender wrote above it (as
    ``new_text``), then the forwarded message, from its header ("From: … Sent: …") on. A
    manager forwarding a mail to the private address means to keep that mail: cut as quoted
    history, the note would be only "For the record" (or nothing, and the mail ignored)."""
    text = html_to_text(body or "") if html else (body or "")
    lines = _INVISIBLE.sub("", _CID.sub("", text)).replace("\r\n", "\n").split("\n")
    above = _before_history(lines)
    own = new_text("\n".join(above), sender_name=sender_name)
    kept: list[str] = []
    for line in (line.rstrip() for line in lines[len(above):]):
        if line.strip() or (kept and kept[-1]):
            kept.append(line)
    return "\n\n".join(part for part in (own, "\n".join(kept).strip()) if part)


def bare_subject(subject: str, *drop: re.Pattern[str]) -> str:
    """The subject without Re:/Fw: prefixes and without what ``drop`` patterns match."""
    out = _REPLY_PREFIX.sub("", subject or "")
    for pattern in drop:
        out = pattern.sub("", out)
    return " ".join(out.split())


def note_text(text: str, limit: int = MAX_NOTE_CHARS) -> str:
    """A comment or a private note: the new text as written, capped at ``limit``."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + ELLIPSIS


# -- machines --------------------------------------------------------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matic)?[- ]?reply|auto[- ]?response"
    # Words a person's subject starts with too ("Absence cover in January"): only as the
    # prefix an autoresponder writes ("Out of Office: ...").
    r"|(out of (the )?office( auto ?reply)?|ooo|abwesend|absence|afwezig)\s*:"
    r"|abwesenheitsnotiz|automatische antwort|réponse automatique"
    r"|respuesta automática|risposta automatica|automatisch antwoord"
    r"|undeliverable|undelivered mail|delivery (status notification|has failed|failure)"
    r"|mail delivery (failed|failure|system)|returned mail|non remis|unzustellbar"
    r"|read:|not read:|gelesen:|lu :|recall:)", re.I)
_AUTO_FLAG_HEADERS = frozenset({"x-autoreply", "x-autorespond", "x-autoreply-from",
                                "x-mail-autoreply", "x-auto-response-suppress", "list-id",
                                "x-ms-exchange-inbox-rules-loop"})
_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})


def machine_reason(subject: str, headers: Sequence[tuple[str, str]]) -> str | None:
    """Why a mail looks sent by a machine rather than typed by a person (None: a person)."""
    for raw_name, raw_value in headers:
        name, value = raw_name.strip().lower(), raw_value.strip().lower()
        if name == "auto-submitted" and value and value != "no":
            return f"automatic (Auto-Submitted: {value[:40]})"
        if name == "x-auto-response-suppress" and value in ("", "none"):
            continue  # "None": the sender asks for no suppression (MS-OXCMAIL 2.1.3.2.20)
        if name in _AUTO_FLAG_HEADERS:
            return f"automatic ({raw_name.strip()[:40]})"
        if name == "precedence" and value in _PRECEDENCE:
            return f"automatic (Precedence: {value})"
        if name == "content-type" and value.startswith("multipart/report"):
            return "a delivery or read report"
    if _AUTO_SUBJECT.match(subject or ""):
        return "automatic (subject)"
    return None


def spoof_reason(headers: Sequence[tuple[str, str]]) -> str | None:
    """Why a mail bearing a person of the pair as its sender was not sent by them (None: no
    sign of it). The pair are people of the organisation, whose mail Exchange accepts from
    inside it, signed in: one it took in unauthenticated (``AuthAs: Anonymous``: from the
    internet, with the organisation's address as From) or whose sender failed Exchange's
    composite authentication (``compauth=fail``) is someone else's. A mail without these
    headers is taken as before (nothing says otherwise)."""
    for raw_name, raw_value in headers:
        name, value = raw_name.strip().lower(), raw_value.strip().lower()
        if name == "x-ms-exchange-organization-authas" and value == "anonymous":
            return "not sent from inside the organisation (Exchange took it in anonymously)"
        if name == "authentication-results" and re.search(r"\bcompauth=fail\b", value):
            return "its sender failed Exchange's authentication (compauth=fail)"
    return None


def loop_reason(sender: str, mailbox: str, headers: Sequence[tuple[str, str]],
                own_header: str) -> str | None:
    """Why a mail is one of our own coming back (None: it is not): sent by the service
    mailbox itself (or one of its plus-addresses), or carrying our outbox's header."""
    local, _, domain = mailbox.lower().partition("@")
    who, _, where = sender.lower().partition("@")
    if where == domain and local and (who == local or who.startswith(local + "+")):
        return "sent by the service mailbox itself"
    if any(name.strip().lower() == own_header.lower() for name, _ in headers):
        return "one of our own mails"
    return None

"""What people write around what they mean: greetings ("Hi Mia,"), sign-offs ("Thanks,",
"Cheers, Rob") and acknowledgements ("Great, thanks!", "👍"), in the languages Outlook's
users write them. Pure. ``service.domain.mail_reply`` cuts a mail's signature with them and
``service.domain.topic_lines`` leaves them out of its topics."""

from __future__ import annotations

import re
from collections.abc import Sequence

SIGNATURE_LINE_CHARS = 60  # longer is a sentence, not a signature's or a sign-off's line


# A sign-off: the whole line is one of these words, then nothing but punctuation, or a name
# after a separator ("Cheers, Rob", "Thanks - Mia"). The ``named`` ones also take a
# capitalised name without one ("Thanks Mia!", "Viele Grüße Rob"): the others start ordinary
# lines too ("Best Practice", "See you Friday").
_SIGN_OFF = re.compile(
    r"^\s*(?:(?P<named>thanks( again| a lot| so much| very much| in advance)?"
    r"|thank you( so much| very much| again| in advance)?|many thanks|cheers|thx"
    r"|with thanks|best wishes|all the best|(kind|best|warm|warmest|many)? ?regards"
    r"|mit freundlichen grüßen|(viele|liebe|beste|herzliche|schöne) grüße|danke( schön| sehr)?"
    r"|vielen dank|cordialement|merci( beaucoup| bien)?|bien à vous|met vriendelijke groet(en)?"
    r"|(hartelijke |vriendelijke )?groet(en|jes)|bedankt|dank je( wel)?|dank u( wel)?|saludos"
    r"|(muchas )?gracias|un saluto|cordiali saluti|grazie( mille)?|(vänliga )?hälsningar"
    r"|tack( så mycket)?|med venlig hilsen|tak|takk)"
    r"|(?P<plain>best|rgds|br|kr|ta|speak soon|talk soon|see you( then| soon)?|sincerely"
    r"|yours( sincerely| truly)?))\b(?P<tail>.*)$", re.I)
_NAME_SEPARATOR = re.compile(r"^\s*[.!]*\s*[,\-–—~]")
_NAME_WORD = re.compile(r"^[\w.'’-]+$")
_GROUP = frozenset({"all", "everyone", "everybody", "team", "both", "folks", "guys", "there"})
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_GREETING_WORDS = (r"(hi|hiya|hello|hey|dear|good (morning|afternoon|evening)|hallo"
                   r"|guten (morgen|tag)|bonjour|salut|hola|buenos días|ciao|buongiorno|hoi"
                   r"|goedemorgen|hej)")
_GREETING = re.compile(rf"^\s*{_GREETING_WORDS}(?P<name>(\s+[\w.'’-]+){{0,2}})"
                       r"\s*(?P<end>[,!.:]?)\s*$", re.I)
# "Hi Mia, thanks!": a greeting and a sign-off on one line.
_GREETING_THEN = re.compile(rf"^\s*{_GREETING_WORDS}(?P<name>(\s+[\w.'’-]+){{0,2}}?)"
                            r"\s*[,!.\-–—]+\s*(?P<rest>\S.*)$", re.I)
# A line that only acknowledges (see is_acknowledgement) has one of these words, and words
# of the second set around it at most ("IT" alone is a topic, "Got it" is not).
_ACK_WORDS = frozenset({
    "ok", "okay", "great", "perfect", "thanks", "thank", "thx", "ty", "cheers", "noted",
    "cool", "nice", "lovely", "brilliant", "super", "awesome", "excellent", "fantastic",
    "wonderful", "amazing", "fab", "understood", "received", "appreciated", "got", "sure",
    "danke", "merci", "parfait", "gracias", "perfecto", "bedankt", "prima", "grazie",
    "perfetto", "tack", "obrigado", "obrigada",
})
_ACK_AROUND = frozenset({
    "it", "sounds", "good", "fine", "all", "you", "so", "very", "much", "many", "again",
    "a", "lot", "that's", "thats", "looks",
})


def is_sign_off(line: str) -> bool:
    """Whether the whole line is a sign-off ("Thanks!", "Kind regards,", "Cheers, Rob",
    "Thanks Mia!", "Cheers -"), not a line that starts with one's words ("Thanks for the
    feedback", "Best practice")."""
    if len(line.strip()) > SIGNATURE_LINE_CHARS:
        return False
    match = _SIGN_OFF.match(line)
    if match is None:
        return False
    tail = match["tail"]
    name = _EDGES.sub("", tail).split()
    if not name:
        return True
    if len(name) > 3 or not all(_NAME_WORD.match(word) for word in name):
        return False
    if _NAME_SEPARATOR.match(tail):
        return True
    # Without a separator only a capitalised name counts: "Thanks! Promotion timeline" and
    # "Thanks for the feedback" are topics.
    return (match["named"] is not None and re.match(r"\s+\w", tail) is not None
            and is_name(name))


def is_greeting(line: str) -> bool:
    """Whether the line only greets: "Hi Mia,", "Dear all", "Hi Mia, thanks!". Words after
    the greeting are a name when capitalised or ended by a comma ("hello world project"
    is a topic)."""
    match = _GREETING.match(line)
    if match is not None:
        return bool(match["end"] and match["end"] != ".") or is_name(match["name"].split())
    match = _GREETING_THEN.match(line)
    return (match is not None and is_name(match["name"].split())
            and is_sign_off(match["rest"]))


def is_opener(line: str) -> bool:
    """A line that greets, thanks or acknowledges, and says nothing else."""
    return is_greeting(line) or is_sign_off(line) or is_acknowledgement(line)


def is_acknowledgement(line: str) -> bool:
    """Whether the line only acknowledges ("Great, thanks!", "Got it", "OK", "👍"): what a
    person answers an acknowledgement with, never a topic, a comment or a note."""
    text = line.strip()
    if not text or len(text) > SIGNATURE_LINE_CHARS:
        return False
    words = re.findall(r"[^\W_]+(?:['’][^\W_]+)*", text.casefold())
    if not words:
        return True  # only emoji or punctuation
    return (any(word in _ACK_WORDS for word in words)
            and all(word in _ACK_WORDS or word in _ACK_AROUND for word in words))


def is_name(words: Sequence[str]) -> bool:
    return all(_NAME_WORD.match(word) and (word[:1].isupper() or word.lower() in _GROUP)
               for word in words)

"""How days, dates, times and names are written in what people read: agendas, mails,
the evidence export. One wording everywhere, and the notes parser reads these dates back
(``format_date``), so it is kept in one place.

Pure: dates and names in, strings out.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")
DAYS_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# Words before a name that are no one's first name ("Dr Samir Khan", "Prof. Dr. Eva Roth").
TITLES = frozenset({"dr", "prof", "mr", "mrs", "ms", "mx", "miss", "sir", "dame", "rev"})
# Words after a comma that end a name rather than begin its first part ("Ben Okafor, PhD",
# "Martin King, Jr."): the name before the comma is then in its usual order.
POST_NOMINALS = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "dphil", "md", "mba", "msc",
                           "bsc", "ba", "ma", "llb", "esq", "obe", "mbe", "cbe", "kc", "qc",
                           "frcs", "frcp", "mrcp", "rn", "cpa", "pe"})
# Words a surname of several words begins with ("van der Berg", "De La Cruz", "al Rashid").
SURNAME_PARTICLES = frozenset({"van", "von", "de", "del", "della", "der", "den", "di", "da",
                               "das", "dos", "du", "le", "la", "ten", "ter", "bin", "al",
                               "el", "st", "st.", "mac", "ap"})
_WORD_EDGES = ",.;:()[]"
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def _title(word: str) -> bool:
    return word.rstrip(".").casefold() in TITLES


def _post_nominal(word: str) -> bool:
    bare = word.strip(_WORD_EDGES)
    return bare.replace(".", "").casefold() in POST_NOMINALS


def _surname_first(words: list[str]) -> bool:
    """Whether several words before a comma read as a surname ("van der Berg", "De La
    Cruz", "SMITH JONES"), not a name in its usual order followed by something else after
    the comma ("Ben Okafor, Finance"): a surname particle first, or capitals throughout."""
    named = _untitled(words)
    return (named[0].casefold() in SURNAME_PARTICLES
            or all(w.isupper() for w in named if any(c.isalpha() for c in w)))


def _untitled(words: list[str]) -> list[str]:
    """``words`` without the titles in front ("Dr", "Prof."), where a name is left."""
    at = 0
    while at < len(words) - 1 and _title(words[at]):
        at += 1
    return words[at:]


def _in_order(words: list[str]) -> str:
    """The first name of a name written first name first: the first word after any titles,
    unless a title is followed by one name only ("Dr Khan": a surname, called by both)."""
    named = _untitled(words)
    return " ".join(words) if len(named) == 1 and len(words) > 1 else named[0]


def _shown(name: str, given: str) -> str:
    """``given`` where it is one or more whole words of ``name`` in any case, written as
    whichever of the two is in mixed case, the display name's first (a givenName typed
    "SAMIR" is "Samir" in "Samir Khan"; "John" stays "John" in "SMITH, JOHN", "Anna" in
    "anna berg"); "" where it is not."""
    found = re.search(rf"(?<!\w){re.escape(given)}(?!\w)", name, re.I)
    if not found:
        return ""
    shown = found.group(0)
    return given if not _mixed(shown) and _mixed(given) else shown


def _mixed(text: str) -> bool:
    """Whether ``text`` has both capitals and small letters ("Anna", not "ANNA", "anna")."""
    return text != text.upper() and text != text.lower()


def first_name(name: str, given: str = "") -> str:
    """What the product calls someone in what people read ("Hi Anna,") and which word of a
    line's owner is them: ``given``, the directory's given name (Entra's givenName), when
    the display ``name`` shows it; else a guess from the display name.

    The display name is what the organisation chose to show, and a given name it does not
    show is often the legal one ("Robert" for "Bob Smith"): the guess then reads the name
    shown. The guess: the first word after any titles ("Dr Samir Khan" -> "Samir", but
    "Dr Khan" for "Dr Khan"); in
    "Last, First" order the first word after the comma ("Jones, Alex", "van der Berg,
    Anna" -> "Alex", "Anna"), unless what follows the comma ends the name ("Ben Okafor,
    PhD" -> "Ben") or several words before it are a name in its usual order, not a surname
    ("Ben Okafor, Finance" -> "Ben"); the name itself if it is one word. It cannot know a
    family name written first without a comma ("Zhang Wei"): only ``given`` can say that."""
    given = " ".join(given.split())
    if given and (shown := _shown(name, given)):
        return shown
    # A part in brackets says where or what they are ("(Sales)", "[Contractor]"), not who.
    words = _BRACKETED.sub(" ", name).split() or name.split()
    if not words:
        return name
    before, comma, after = " ".join(words).partition(",")
    rest = _untitled(after.split())
    if before.strip() and (not comma or (len(before.split()) > 1 and rest and (
            _post_nominal(rest[0]) or not _surname_first(before.split())))):
        return _in_order(before.split())
    first = next((w.strip(_WORD_EDGES) for w in rest if w.strip(_WORD_EDGES)), "")
    return first or before.strip() or words[0]


def family_name(name: str, given: str = "") -> str:
    """The family name a display name shows, as people may write it for the person:
    "Jones" in "Alex Jones", "Jones, Alex" and "Dr Alex Jones (Finance)", "van der Berg"
    in "Anna van der Berg", "Zhang" in "Zhang Wei" when ``given`` is "Wei": its words
    other than the first name (``first_name``), titles, post-nominals and a part in
    brackets; with the first name after a comma, the words before it. "" when it shows
    none ("Alex", "Dr Khan")."""
    first = [w.casefold() for w in first_name(name, given).split()]
    words = _BRACKETED.sub(" ", name).split() or name.split()
    before, comma, _after = " ".join(words).partition(",")
    part = _untitled(before.split()) if before.split() else []
    folded = [w.strip(_WORD_EDGES).casefold() for w in part]
    at = next((i for i in range(len(folded) - len(first) + 1)
               if first and folded[i:i + len(first)] == first), None)
    # (The first name not among them: after the comma, "Jones, Alex", or not shown.)
    rest = (part if comma else []) if at is None else part[:at] + part[at + len(first):]
    kept = [w.strip(_WORD_EDGES) for w in rest if not _post_nominal(w)]
    return " ".join(w for w in kept if w)


def pair_first_names(manager_name: str, report_name: str,
                     given_names: tuple[str, str] = ("", "")) -> tuple[str, str]:
    """The manager's and the report's first names (``first_name``), from their display
    names and ``given_names``, theirs from the directory in that order ("": none)."""
    return first_name(manager_name, given_names[0]), first_name(report_name, given_names[1])


def format_date(d: date) -> str:
    """'12 Dec 2026': unambiguous in every locale and read back by the notes parser."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def format_day(day: datetime | date) -> str:
    """'Tuesday 8 December 2026'."""
    return f"{DAYS_LONG[day.weekday()]} {day.day} {MONTHS_LONG[day.month - 1]} {day.year}"


def zone_label(moment: datetime) -> str:
    """The zone's short name at ``moment`` ('GMT', 'CET'); where the zone database has only
    an offset for it ('+03' for Istanbul, '-03' for São Paulo), 'UTC+03', which nobody can
    take for a typo or a phone number."""
    name = moment.tzname() or ""
    if name[:1] in ("+", "-"):
        sign, digits = name[0], name[1:]
        return f"UTC{sign}{digits[:2]}:{digits[2:]}" if len(digits) == 4 else f"UTC{name}"
    return name


def format_when(start: datetime) -> str:
    """'Tuesday 8 December 2026, 10:00 GMT' in the meeting's own zone, named: both people
    read the same invite body, and they may work in different zones."""
    zone = zone_label(start)
    return (f"{DAYS_LONG[start.weekday()]} {start.day} {MONTHS_LONG[start.month - 1]} "
            f"{start.year}, {start:%H:%M}{' ' + zone if zone else ''}")

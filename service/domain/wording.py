"""How days, dates, times and names are written in what people read: agendas, mails,
the evidence export. One wording everywhere, and the notes parser reads these dates back
(``format_date``), so it is kept in one place.

Pure: dates and names in, strings out.
"""

from __future__ import annotations

from datetime import date, datetime

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")
DAYS_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def first_name(name: str) -> str:
    """The first word of a display name ("Alex Jones" -> "Alex"); the name if one word. A
    first word ending at a comma is a surname, as in "Jones, Alex" (-> "Alex")."""
    parts = name.split()
    surname, comma, given = (parts[0] if parts else "").partition(",")
    if not comma:
        return parts[0] if parts else name
    return (given or "".join(parts[1:2])).strip(",") or surname or parts[0]


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

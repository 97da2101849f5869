"""Rebooking a missed 1-2-1 (pure: no I/O, no clock; ``now`` is an argument).

A missed occurrence (cancelled by the manager, declined by the report, or ended with no
notes) gets one offer to the manager: up to three free times, each a ``mailto:`` link whose
address and subject carry the offer's token and the slot number. Booking mail is read back
by the jobs; this module says what an offer looks like and what a mail means:

- ``booking_address`` / ``booking_subject``: what each link fills in;
- ``parse_booking``: (token, slot number) from a mail's recipients and subject, or None;
- ``auto_reply``: mail an autoresponder wrote (never a booking, whatever it quotes);
- ``encode_slots`` / ``decode_slots``: the offer's times as stored (UTC ISO instants);
- ``sent_items_due`` / ``sent_items_since``: without a service mailbox, when a manager's Sent
  Items must be read for picks, and from which instant;
- ``times_on_offer``: the times other open offers name, which a new offer avoids.

Everything in a mail is hostile: the patterns accept only our exact token shape (16 lower
hex digits) and a slot number 1-9, so no text anyone types can name another offer's slot
by accident, and a quoted offer (its subject has no token) is never a booking.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from service.domain.events import MailMessage
from service.domain.records import OccurrenceRecord, RebookRecord
from service.domain.status import MissedReason, OccurrenceStatus, RebookStatus

MAX_SLOTS = 3
TOKEN_LENGTH = 16
REASON_OF_STATUS: dict[str, MissedReason] = {
    OccurrenceStatus.CANCELLED: MissedReason.CANCELLED,
    OccurrenceStatus.DECLINED: MissedReason.DECLINED,
    OccurrenceStatus.HELD_NO_NOTES: MissedReason.NOT_HELD,
}

_ADDRESS = re.compile(r"\+book\.([0-9a-f]{16})\.([1-9])@", re.I)
_SUBJECT = re.compile(r"\[book ([0-9a-f]{16}) slot ([1-9])\]", re.I)
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(?:matic)?[- ]?(?:reply|response)|out of (?:the )?office|"
    r"autosvar|abwesenheitsnotiz|r[ée]ponse automatique|undeliverable|delivery status)\b",
    re.I)
# x-onetoone-key is on every mail we send: one coming back is a loop, never a booking.
_AUTO_HEADERS = {"auto-submitted", "x-autoreply", "x-autorespond", "x-onetoone-key"}


def reason_of(status: str) -> MissedReason | None:
    """The rebook reason for an occurrence status ('not_held' for held_no_notes), or None
    when the meeting wasn't missed."""
    return REASON_OF_STATUS.get(status)


def booking_address(mailbox: str, token: str, index: int) -> str:
    """name+book.<token>.<n>@domain: Exchange Online delivers plus-addresses to name@."""
    local, _, domain = mailbox.partition("@")
    return f"{local}+book.{token}.{index}@{domain}"


def booking_subject(token: str, index: int, when: str) -> str:
    """The subject a slot's link fills in: readable, and carrying the token and slot."""
    return f"Book our 1-2-1 for {when} [book {token} slot {index}]"


def booking_link(address: str, subject: str) -> str:
    """A mailto: URL with the subject filled in (Outlook opens it ready to send)."""
    return f"mailto:{address}?subject={quote(subject, safe='')}"


def _addresses(message: Mapping[str, Any] | MailMessage) -> Iterable[str]:
    if isinstance(message, MailMessage):
        yield from (*message.to, *message.cc)
        return
    for key in ("toRecipients", "ccRecipients"):
        for recipient in message.get(key) or []:
            if isinstance(recipient, Mapping):
                address = (recipient.get("emailAddress") or {}).get("address")
                if isinstance(address, str):
                    yield address


def parse_booking(message: Mapping[str, Any] | MailMessage) -> tuple[str, int] | None:
    """(token, slot number) a mail asks to book, or None when it is not a booking.

    The plus-address wins (the manager may retype the subject); the subject's tag counts
    when the mail went to the plain address (some clients drop the plus part)."""
    for address in _addresses(message):
        match = _ADDRESS.search(address)
        if match:
            return match.group(1).lower(), int(match.group(2))
    subject = message.subject if isinstance(message, MailMessage) else message.get("subject")
    if isinstance(subject, str):
        match = _SUBJECT.search(subject)
        if match:
            return match.group(1).lower(), int(match.group(2))
    return None


def auto_reply(message: Mapping[str, Any] | MailMessage) -> bool:
    """Mail written by a machine: out-of-office, bounces, or our own mail looping back."""
    if isinstance(message, MailMessage):
        return auto_reply({"subject": message.subject, "internetMessageHeaders": [
            {"name": name, "value": value} for name, value in message.headers]})
    subject = message.get("subject")
    if isinstance(subject, str) and _AUTO_SUBJECT.search(subject):
        return True
    for header in message.get("internetMessageHeaders") or []:
        if not isinstance(header, Mapping):
            continue
        name = str(header.get("name") or "").lower()
        value = str(header.get("value") or "").strip().lower()
        if name in _AUTO_HEADERS and not (name == "auto-submitted" and value == "no"):
            return True
    return False


def sender_of(message: Mapping[str, Any] | MailMessage) -> str:
    """The From address, lower-cased ('' when absent or malformed)."""
    if isinstance(message, MailMessage):
        return message.sender
    sender = (message.get("from") or {}).get("emailAddress") or {}
    address = sender.get("address") if isinstance(sender, Mapping) else None
    return address.strip().lower() if isinstance(address, str) else ""


def encode_slots(slots: Sequence[tuple[datetime, datetime]]) -> str:
    """JSON list of [start, end] UTC ISO instants (the rebooks.slots column)."""
    return json.dumps([[s.astimezone(UTC).isoformat(), e.astimezone(UTC).isoformat()]
                       for s, e in slots])


def decode_slots(text: str) -> list[tuple[datetime, datetime]]:
    """The stored slots back as aware UTC datetimes ([] for anything unreadable)."""
    try:
        items = json.loads(text or "[]")
        return [(datetime.fromisoformat(s).astimezone(UTC),
                 datetime.fromisoformat(e).astimezone(UTC)) for s, e in items]
    except (ValueError, TypeError):
        return []


def offer_open(slots: Sequence[tuple[datetime, datetime]], now: datetime,
               notice: timedelta = timedelta(0)) -> bool:
    """An offer stays open while at least one of its times can still be picked: it starts
    more than ``notice`` after now."""
    return any(start - notice > now for start, _end in slots)


@dataclass(frozen=True)
class OpenOffer:
    """An open, unpicked offer as the Sent Items reader sees it: when it was sent, and the
    last instants at which each of its times can still be picked."""

    offered_at: datetime
    deadlines: tuple[datetime, ...]
    ends_now: bool = False  # its meeting turned out not missed: it closes at the next read


def pick_deadlines(slots: Sequence[tuple[datetime, datetime]], notice: timedelta
                   ) -> tuple[datetime, ...]:
    """The last instant each time can be picked (its start less the notice a pick needs)."""
    return tuple(start - notice for start, _end in slots)


@dataclass(frozen=True)
class ReaderDay:
    """The manager's current local day, as UTC instants: when it began and its midday, and
    whether it is one of their working days."""

    start: datetime
    midday: datetime
    working: bool


def sent_items_due(read_through: datetime | None, offers: Sequence[OpenOffer], now: datetime,
                   *, last_call: timedelta, day: ReaderDay, close_wait: timedelta) -> str | None:
    """Why a manager's Sent Items must be read now, or None (no read this run).

    At most one read a day: each read finds every pick sent since the previous one, so the
    day's read is put where it serves best:

    - ``last call``: on a working day with a pick deadline still ahead today, the last run
      before the first of them (``last_call`` is one run), so a pick made until then is
      booked in time;
    - ``daily``: otherwise from the manager's midday on a working day, for offers with a time
      still ahead that were sent before it, so a morning's pick is booked that day;
    - ``closing``: an offer none of whose times can still be picked closes only after a read
      that covers its last deadline, so a pick sent after the last read is still answered
      (too late to book, it gets fresh times or a short note, never silence). Such a pick
      can only have been sent in the last run before the deadline, so that read rides on
      the manager's next read for another offer, or comes ``close_wait`` later (from a
      midday); an offer whose meeting was not missed after all closes at the next midday.

    ``read_through`` is where the last read of this manager's Sent Items ended (None: never).
    """
    seen = read_through or datetime.min.replace(tzinfo=UTC)
    if seen >= day.start:
        return None
    if day.working:
        tomorrow = day.start + timedelta(days=1)
        today = [d for offer in offers for d in offer.deadlines if now < d < tomorrow]
        if today:
            return "last call" if now >= min(today) - last_call else None
    if now < day.midday:
        return None
    if day.working and any(offer.offered_at < day.midday and any(d > now for d in offer.deadlines)
                           for offer in offers):
        return "daily"
    for offer in offers:
        end = max(offer.deadlines, default=now)
        wait = timedelta(0) if offer.ends_now else close_wait
        if seen < end and end + wait <= now:
            return "closing"
    return None


def sent_items_read_closed(read_through: datetime | None, offer: OpenOffer) -> bool:
    """Whether the reads have covered every pick an offer can receive (its closing read ran)."""
    return read_through is not None and all(d <= read_through for d in offer.deadlines)


def sent_items_since(read_through: datetime | None, offers: Sequence[OpenOffer],
                     skew: timedelta) -> datetime:
    """The instant a read must go back to: the earliest moment a pick not read yet can
    have been sent (no earlier than the offer itself), less ``skew`` for clocks and sends
    in flight when the last read ran (a mail read twice is harmless: picks are single-use)."""
    start = min(offer.offered_at for offer in offers)
    if read_through is not None:
        start = max(start, read_through)
    return start - skew


def times_on_offer(offers: Iterable[RebookRecord], own: int | None = None
                   ) -> list[tuple[datetime, datetime]]:
    """The times open ``offers`` name (every time of one not picked yet, only the picked
    one of one being booked), but those of the offer ``own``: a new offer to a manager (or
    to anyone in either person's other pairings) avoids them while its window has another
    free time, so a shutdown week's offers don't all name the same three times and the
    second pick of one is not refused as "no longer free"."""
    out: list[tuple[datetime, datetime]] = []
    for offer in offers:
        if offer.id == own or offer.status != RebookStatus.OFFERED:
            continue
        slots = decode_slots(offer.slots)
        if offer.booked_index is not None:
            slots = slots[offer.booked_index - 1:offer.booked_index]
        out.extend(slots)
    return out


def overlaps(start: datetime, end: datetime,
             busy: Iterable[tuple[datetime, datetime]]) -> bool:
    """Whether [start, end) overlaps any busy interval."""
    return any(b_start < end and start < b_end for b_start, b_end in busy)


# Meetings that did not happen because someone called them off: the report declined, or
# the manager cancelled (one not written up is a reminder's business, not this).
CALLED_OFF = (OccurrenceStatus.DECLINED, OccurrenceStatus.CANCELLED)


def missed_again(occ: OccurrenceRecord, earlier: Sequence[OccurrenceRecord],
                 offer_of_previous: RebookRecord | None, offered_now: set[int]) -> bool:
    """Whether ``occ`` (declined or cancelled) follows a meeting of the pair that was called
    off too and not rebooked: ``earlier``, the pair's stored meetings; ``offer_of_previous``,
    the offer stored for the one just before ``occ``; ``offered_now``, the meetings this
    run is offering (their offers are not stored yet)."""
    before = [o for o in earlier if o.start < occ.start and o.id != occ.id]
    if not before:
        return False
    previous = before[-1]
    if previous.rebook_of is not None or previous.status not in CALLED_OFF:
        return False  # a replacement was booked, or the meeting before went ahead
    if previous.id in offered_now:
        return True
    return offer_of_previous is not None and offer_of_previous.status != RebookStatus.BOOKED

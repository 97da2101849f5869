"""What the store hands out and takes in: plain, frozen records, never ORM rows.

Field names follow the tables, so a record reads like the row it came from, but columns that
hold several values come back parsed (working days and agenda topics as tuples of ints, mail
recipients as `Recipient`s): nothing outside the store splits a stored string. A record with
``id == 0`` has not been stored yet (the store gives it its id). State fields hold the words
of :mod:`service.domain.status`: typed ``str`` because they come back as the stored word (an
unknown word an operator typed by hand is ignored, not an error), which equals its member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from service.domain.directory import start_day
from service.domain.status import (
    AgendaState,
    OccurrenceStatus,
    OutboxStatus,
    PairingStatus,
    RebookStatus,
    SeriesStatus,
)
from service.domain.timezones import local_date
from service.domain.wording import first_name


def by_address(error: object, mailbox_id: str, email: str) -> str:
    """Graph's error text with the mailbox said by its address: requests address a mailbox
    by its directory id, which Graph's messages quote and which tells an admin nothing."""
    text = str(error)
    return re.sub(re.escape(mailbox_id), email, text, flags=re.IGNORECASE) if mailbox_id else text

@dataclass(frozen=True)
class Recipient:
    """One mail recipient: a display name (which may hold a comma) and an address."""

    name: str
    address: str

    def __str__(self) -> str:
        # Quoted when the name would otherwise read as two people ("Doe, Jane").
        name = f'"{self.name}"' if any(c in self.name for c in ',;<>"') else self.name
        return f"{name} <{self.address}>" if name else self.address


def recipients_text(people: tuple[Recipient, ...]) -> str:
    """Recipients as people read them (one line, comma-separated)."""
    return ", ".join(str(p) for p in people)


@dataclass(frozen=True)
class PersonUpdate:
    """What a sync learnt about a person."""

    id: str
    email: str
    name: str
    hired_at: datetime | None  # employeeHireDate, an instant
    manages_others: bool
    given_name: str = ""  # Entra's givenName ("": none): see first_name
    # mailboxSettings' dateFormat, when this sync read it ("": Graph gave none); None: not
    # read, what is stored stays.
    date_format: str | None = None
    aliases: tuple[str, ...] = ()  # their other addresses (DirectoryUser.aliases)


@dataclass(frozen=True, kw_only=True)
class PersonRecord:
    """A person seen in the directory or pairs file, with what their mailbox says."""

    id: str
    email: str
    name: str
    hired_at: datetime | None = None  # employeeHireDate, an instant: see hire_date
    time_zone: str | None = None
    working_days: tuple[int, ...] | None = None  # 0 = Monday; None until read
    working_start: str | None = None  # "09:00"
    working_end: str | None = None
    manages_others: bool = False
    active: bool = True
    seen_at: datetime | None = None
    given_name: str = ""  # Entra's givenName ("": none, or a person from the pairs file only)
    # The date format they chose in Outlook (mailboxSettings' dateFormat, "M/d/yyyy"): how
    # their notes' "12/10" is read (due_dates.date_order). None: never read; "": none given.
    date_format: str | None = None
    # Their other addresses, lower-cased (the UPN, proxyAddresses' aliases; migration 0034),
    # an Outlook mention of which names them: () until a directory sync tells them.
    aliases: tuple[str, ...] = ()

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every address they are known by: ``email`` first, then ``aliases``."""
        return (self.email, *self.aliases)

    @property
    def first_name(self) -> str:
        """What mails and agendas call them ("Hi Anna,"): see wording.first_name."""
        return first_name(self.name, self.given_name)

    @property
    def hire_date(self) -> date | None:
        """Their first day where they work (UTC's until their mailbox's zone is known)."""
        return start_day(self.hired_at, self.time_zone)


@dataclass(frozen=True, kw_only=True)
class PairingRecord:
    """A manager and one direct report, for as long as that relationship lasts."""

    id: int = 0
    key: str
    manager_id: str
    report_id: str
    status: str = PairingStatus.ACTIVE
    cadence: str = ""
    minutes: int = 0
    cadence_reason: str = ""
    source: str = "directory"
    note: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = ""
    lease_owner: str | None = None
    lease_until: datetime | None = None
    own_event_id: str | None = None  # left to its own series: which, and when to look again
    own_check_at: datetime | None = None
    agenda_denied_at: datetime | None = None  # the agenda's reads or writes refused (403) since


@dataclass(frozen=True, kw_only=True)
class SeriesRecord:
    """One recurring 1-2-1 series in the manager's calendar."""

    id: int = 0
    pairing_id: int
    mailbox: str
    event_id: str | None = None
    ical_uid: str | None = None
    transaction_id: str
    status: str = SeriesStatus.CREATING
    cadence: str
    minutes: int
    weekday: int
    week_index: str | None = None
    start_time: str  # local "HH:MM"
    time_zone: str
    first_date: date
    range_end: date
    online: bool = False
    slot_note: str = ""
    policy_cadence: str | None = None  # see SeriesRow
    policy_minutes: int | None = None
    created_at: datetime
    updated_at: datetime
    checked_at: datetime | None = None
    ended_at: datetime | None = None
    # Listing its meetings has failed since (None: it has not); not listed before retry.
    listing_failed_at: datetime | None = None
    listing_retry_at: datetime | None = None
    # Ended, but still running on in Outlook: its meetings are cancelled up to this day
    # (see domain/runs_on.py). None: nothing of it is left to cancel.
    cancelled_to: date | None = None


@dataclass(frozen=True, kw_only=True)
class OccurrenceRecord:
    """One meeting of a series (or a single meeting booked to replace a missed one)."""

    id: int = 0
    series_id: int
    event_id: str
    original_start: datetime
    start: datetime
    end: datetime
    status: str = OccurrenceStatus.SCHEDULED
    updated_at: datetime | None = None
    meeting_number: int = 0
    agenda_state: str = AgendaState.PENDING
    agenda_updates: int = 0
    agenda_fingerprint: str | None = None
    agenda_sending: str | None = None  # an update's block sent, not recorded yet
    agenda_topics: tuple[int, ...] = ()  # ids of the topics its agenda showed
    agenda_at: datetime | None = None
    # The words outside its block when the agenda was last written, as a print (never the
    # text: domain/outside.py); None: not written, or written before it was kept.
    outside_print: str | None = None
    covers_development: bool = False
    question_id: str | None = None
    captured_at: datetime | None = None
    captured_fingerprint: str | None = None
    captured_etag: str | None = None  # the event's etag at the last read-back
    changed_at: datetime | None = None  # a calendar read saw it change after that
    # A read-back found words added outside its block since then (notes typed above the
    # agenda's START line, where Outlook's caret lands): it took place. Never unset.
    typed_outside: bool = False
    read_back_at: datetime | None = None  # when it is next looked at, once read back
    moved_reason: str | None = None
    absence_state: str | None = None  # an AbsenceState; None: not checked yet
    absence_checked_at: datetime | None = None
    rebook_of: int | None = None
    # The order numeric dates in its notes were read in at the first read (a
    # due_dates.DateOrder), kept for its re-reads; None: not read yet.
    notes_date_order: str | None = None


@dataclass(frozen=True, kw_only=True)
class RebookRecord:
    """An offer to rebook a missed 1-2-1, and its booking."""

    id: int = 0
    pairing_id: int
    missed_occurrence_id: int
    reason: str  # a MissedReason
    status: str = RebookStatus.OFFERED
    slots: str  # JSON list of [start, end] ISO instants (see domain.rebook.encode_slots)
    token: str
    offered_at: datetime
    booked_index: int | None = None
    booked_event_id: str | None = None
    transaction_id: str | None = None
    booked_at: datetime | None = None
    updated_at: datetime
    # The mailbox its links address (see jobs.rebook_reads.picks_in_sent_items); None: an
    # offer made before this was kept.
    picks_to: str | None = None


@dataclass(frozen=True, kw_only=True)
class TopicRecord:
    """Something to talk about at the next 1-2-1."""

    id: int
    pairing_id: int
    text: str
    by: str  # report | manager
    raised_on: date
    status: str  # a TopicStatus
    carried: int
    discussed_occurrence_id: int | None
    source_message_id: str | None
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class ActionRecord:
    """An action agreed in a 1-2-1."""

    id: int
    pairing_id: int
    owner: str
    text: str
    due: date | None
    status: str  # an ActionStatus
    carried: int
    raised_on: date
    raised_occurrence_id: int | None
    closed_occurrence_id: int | None
    fingerprint: str
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class NoteRecord:
    """Notes from one meeting (private ones never leave the database)."""

    id: int
    pairing_id: int
    occurrence_id: int | None
    text: str
    private: bool
    source: str  # outlook | cli
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class MailRecord:
    """A mail in the outbox: recorded before it is sent (see jobs/outbox.py)."""

    id: int = 0
    key: str  # "<occurrence id>:<kind>"
    kind: str
    pairing_id: int
    occurrence_id: int | None
    mailbox: str  # the sender
    to: tuple[Recipient, ...]
    cc: tuple[Recipient, ...] = ()
    subject: str
    body_html: str
    tag: str
    status: str = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    created_at: datetime
    claimed_at: datetime | None = None
    sent_at: datetime | None = None

    @property
    def recipients(self) -> str:
        """The "to" recipients as people read them (for listings)."""
        return recipients_text(self.to)

    def reaches(self, person: PersonRecord) -> bool:
        """Whether the mail would go from ``person``'s mailbox (it is the sender) or into it
        (to or cc: addresses compare without case)."""
        address = person.email.lower()
        return self.mailbox == person.id or any(
            r.address.lower() == address for r in (*self.to, *self.cc))


@dataclass(frozen=True)
class PairingView:
    """A pairing with both people and its live series, for display and scheduling."""

    pairing: PairingRecord
    manager: PersonRecord
    report: PersonRecord
    series: SeriesRecord | None

    @property
    def given_names(self) -> tuple[str, str]:
        """The manager's and the report's given names, for the agenda and the notes reader
        (wording.pair_first_names)."""
        return self.manager.given_name, self.report.given_name

    def meeting(self, start: datetime, zone: str) -> str:
        """A meeting of this pair as a run's lines name it: its day where the pair meets
        (the series' zone), as `status` shows it; a Sydney 09:00 is the day before in UTC."""
        return f"{self.manager.name} & {self.report.name} {local_date(start, zone)}"

    def named(self, error: object) -> str:
        """Graph's error text with either person's mailbox said by their address (see
        `by_address`): a failure of the pair's booking is read in the run's output and,
        kept as the pair's note, in `onetoone status`."""
        return by_address(by_address(error, self.manager.id, self.manager.email),
                          self.report.id, self.report.email)

    def calendar_failure(self, error: object, day: object = "") -> str:
        """A failure reading or writing the manager's calendar for this pair (``day``: the
        meeting's, if one), as `tick` reports it: the pair and the mailbox by name (Graph's
        message names the mailbox by the directory id the request used, which tells an
        admin nothing, so that id is said as the address too)."""
        text = by_address(error, self.manager.id, self.manager.email)
        when = f" {day}" if day else ""
        return (f"{self.manager.name} & {self.report.name}{when} ({self.manager.email}'s "
                f"calendar): {text}")


@dataclass(frozen=True, kw_only=True)
class MailboxHold:
    """A mailbox Graph keeps throttling, left alone by every run until ``until`` (real
    time); ``mailbox`` as the requests name it (a directory id or an address, lower case),
    held without a break ``since``, with Graph's ``code`` and ``message``."""

    mailbox: str
    until: datetime
    since: datetime
    code: str
    message: str

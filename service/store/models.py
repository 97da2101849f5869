"""Database tables. Schema changes go through an Alembic migration in migrations/versions."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from service.domain.status import (
    ActionStatus,
    AgendaState,
    OccurrenceStatus,
    OutboxStatus,
    PairingStatus,
    RebookStatus,
    SeriesStatus,
    TopicStatus,
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")

        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None

        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class PersonRow(Base):
    """A person seen in the directory or pairs file, with what their mailbox says."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(256))
    # employeeHireDate, the instant Graph gives (migration 0025): its day is the person's
    # where they work (PersonRecord.hire_date), known once their mailbox zone is.
    hired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    working_days: Mapped[str | None] = mapped_column(String(80))  # "0,1,2,3,4" (see convert.py)
    working_start: Mapped[str | None] = mapped_column(String(5))  # "09:00"
    working_end: Mapped[str | None] = mapped_column(String(5))
    manages_others: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When the four mailbox columns above were last read (migration 0012); None: never, or
    # the directory has since reported a change to the person.
    mailbox_read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Entra's givenName (migration 0027): which word of ``name`` to call them by; "" when
    # the directory has none (wording.first_name then reads the display name).
    given_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # mailboxSettings' dateFormat (migration 0029): how their notes' "12/10" is read. None:
    # never read (day first, as before), "": Graph gave none.
    date_format: Mapped[str | None] = mapped_column(String(64))
    # Their other addresses, space-separated (migration 0034; see convert.aliases_of).
    aliases: Mapped[str] = mapped_column(Text, default="", server_default="")


class PairingRow(Base):
    """A manager and one direct report, for as long as that relationship lasts."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    manager_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    # PairingStatus: active | ended | series_deleted | own_series
    status: Mapped[str] = mapped_column(String(20), default=PairingStatus.ACTIVE, index=True)
    cadence: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(Integer)
    cadence_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="directory")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    # A worker's claim on this pairing while it talks to Graph (several replicas may run).
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Left to a series of its own (own_series, migration 0020): that series' event id in the
    # manager's calendar, and when the schedule run looks again whether it is over or gone.
    own_event_id: Mapped[str | None] = mapped_column(String(400))
    own_check_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Since when Graph has refused (403) the agenda step's own read or update of this pair's
    # meetings (migration 0023), for `onetoone status`; None once one succeeds.
    agenda_denied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SeriesRow(Base):
    """One recurring 1-2-1 series in the manager's calendar."""

    __tablename__ = "series"
    __table_args__ = (
        # At most one live series per pairing, enforced by the database itself.
        Index(
            "one_live_series_per_pairing",
            "pairing_id",
            unique=True,
            # Literal SQL, as in migration 0001: the words of LIVE_SERIES.
            sqlite_where=text("status IN ('creating', 'active')"),
            postgresql_where=text("status IN ('creating', 'active')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    mailbox: Mapped[str] = mapped_column(String(320))
    event_id: Mapped[str | None] = mapped_column(String(400))
    ical_uid: Mapped[str | None] = mapped_column(String(400))
    transaction_id: Mapped[str] = mapped_column(String(80), unique=True)
    # SeriesStatus: creating | active | ended | deleted | superseded (a follow-on took over)
    status: Mapped[str] = mapped_column(String(20), default=SeriesStatus.CREATING)
    cadence: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)
    week_index: Mapped[str | None] = mapped_column(String(10))
    start_time: Mapped[str] = mapped_column(String(5))  # local "HH:MM"
    time_zone: Mapped[str] = mapped_column(String(64))
    first_date: Mapped[date] = mapped_column(Date)
    range_end: Mapped[date] = mapped_column(Date)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    slot_note: Mapped[str] = mapped_column(Text, default="")
    # The pairing's cadence and length when the manager re-timed the series in Outlook
    # (migration 0016; None: as onetoone booked it): the series is stale only once the
    # pairing's change from these, not because the manager chose otherwise.
    policy_cadence: Mapped[str | None] = mapped_column(String(20))
    policy_minutes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the occurrence sync must next list it (migration 0012; see store/due.py): None
    # until worked out, after any change to the series, its meetings or its manager's days.
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Moved on by each of those changes: an instant worked out before one is not stored.
    due_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # While its listing keeps failing (migration 0022): since when, and when it may be
    # listed again (see domain.series.listing_retry_at). None: not failing.
    listing_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    listing_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Since when its subject names someone by a name the directory has since changed
    # (migration 0024; see jobs/renames.py). None: nothing to update.
    rename_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Moved on by each change of the columns above (its pattern, state, calendar event).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An ended series still running on in Outlook (no end date there): its meetings are
    # cancelled up to this day, the later ones a stretch at a time (migration 0030; see
    # domain/runs_on.py). None: nothing of it is left to cancel.
    cancelled_to: Mapped[date | None] = mapped_column(Date, index=True)


class OccurrenceRow(Base):
    """One meeting of a series, as Graph's instances list shows it."""

    __tablename__ = "occurrences"
    __table_args__ = (UniqueConstraint("series_id", "original_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(400))
    original_start: Mapped[datetime] = mapped_column(UtcDateTime)
    start: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UtcDateTime, index=True)  # (migration 0012)
    # OccurrenceStatus: scheduled | moved | cancelled | declined | held | held_no_notes |
    # withdrawn (cancelled by onetoone as its series ended: not missed)
    status: Mapped[str] = mapped_column(String(20), default=OccurrenceStatus.SCHEDULED)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    meeting_number: Mapped[int] = mapped_column(Integer, default=0)
    # AgendaState: pending | injected | skipped (cancelled before it was due)
    agenda_state: Mapped[str] = mapped_column(String(20), default=AgendaState.PENDING)
    agenda_updates: Mapped[int] = mapped_column(Integer, default=0)
    agenda_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # The block of an update sent and not recorded yet (migration 0018; see jobs/agenda.py).
    agenda_sending: Mapped[str | None] = mapped_column(String(64))
    agenda_topics: Mapped[str] = mapped_column(Text, default="")  # topic ids shown, "1,4"
    # The block's text as written into the invite (migration 0019): the notes read-back
    # knows the agenda's own lines by it, whatever the template has become since. Deferred:
    # read only by the read-back (store.agenda_text), not with every meeting. Null: not
    # written, written before it was kept, or erased with the pair's notes.
    agenda_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    agenda_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # (migration 0028) "<words>:<sha256>" of the words outside the block as last written,
    # never the text (domain/outside.py); and whether a read-back found words added there.
    outside_print: Mapped[str | None] = mapped_column(String(80))
    typed_outside: Mapped[bool] = mapped_column(Boolean, default=False)
    covers_development: Mapped[bool] = mapped_column(Boolean, default=False)
    question_id: Mapped[str | None] = mapped_column(String(40))
    captured_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    captured_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # (migration 0029) The order its notes' numeric dates were first read in (DateOrder),
    # kept for its re-reads: a manager's date format learnt since must not re-date (and so
    # withdraw and add again) actions already read. None: not read yet.
    notes_date_order: Mapped[str | None] = mapped_column(String(20))
    # (migration 0013) The event's etag as the last read-back found it, and when a read of
    # the manager's calendar last saw the event change after that: a late edit is read
    # when one is seen, and a re-read that a calendar read already vouches for is skipped.
    captured_etag: Mapped[str | None] = mapped_column(String(200))
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When a meeting already read back is next looked at (a re-read falls due, or a calendar
    # read saw it change); None: never again. Indexed: a tick finds them without a scan.
    read_back_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Why onetoone itself moved this meeting (a holiday, an absence, a clash), for people.
    moved_reason: Mapped[str | None] = mapped_column(Text)
    # AbsenceState: None (not checked) | clear | moving (crash-safe move under way) | moved |
    # no_slot | skipped (a long absence)
    absence_state: Mapped[str | None] = mapped_column(String(20))
    absence_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set on a single meeting booked to replace a missed one (not an instance of the series).
    # (an occurrence id; no database-level foreign key, see migration 0005)
    rebook_of: Mapped[int | None] = mapped_column(Integer)
    # Written with the agenda (migration 0011): the meeting its Last time section recalled
    # (an occurrence id, no foreign key: as rebook_of), and the report-led share over the
    # pair's last meetings, report's topics of all topics (None: not written by then).
    last_time_id: Mapped[int | None] = mapped_column(Integer)
    share_report: Mapped[int | None] = mapped_column(Integer)
    share_topics: Mapped[int | None] = mapped_column(Integer)


class LockRow(Base):
    """A named lease: one worker at a time holds it (e.g. while planning new series)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    until: Mapped[datetime] = mapped_column(UtcDateTime)
    # The duty lease's only (migration 0031; null on other locks): the holding process, drawn
    # at random as it starts, its configured [worker] name (null: none) and host name, and
    # when it last said it runs (every BEAT_SECONDS, whatever its runs do): a worker of the
    # same name tells a live namesake from the instance it replaces by it (service/duty.py).
    instance: Mapped[str | None] = mapped_column(String(32))
    worker_name: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str | None] = mapped_column(String(64))
    seen: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MailboxHoldRow(Base):
    """A mailbox Graph keeps throttling: its requests are not sent before ``until``, by any
    run of any replica (migration 0032; see service/jobs/held_mailboxes.py)."""

    __tablename__ = "mailbox_holds"

    # As the requests' paths name it, lower case: a directory id, or an address.
    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime)
    since: Mapped[datetime] = mapped_column(UtcDateTime)  # held without a break since
    code: Mapped[str] = mapped_column(String(64), default="")  # Graph's, as it said it
    message: Mapped[str] = mapped_column(Text, default="")


class AbsenceNoteRow(Base):
    """A long absence its manager was told of, by the person away, with its span as last
    read (migration 0035; see service/domain/absence_notes.py): an edit of the same absence
    in Outlook updates it, and no second note goes."""

    __tablename__ = "absence_notes"
    __table_args__ = (Index("ix_absence_notes_who", "manager_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # the first note's outbox key
    manager_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(64))
    first: Mapped[date] = mapped_column(Date)
    last: Mapped[date] = mapped_column(Date)
    open_after: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RebookRow(Base):
    """An offer to rebook a missed 1-2-1 (cancelled, declined or not held), and its booking."""

    __tablename__ = "rebooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    missed_occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"), unique=True)
    # MissedReason: cancelled | declined | not_held
    reason: Mapped[str] = mapped_column(String(20))
    # RebookStatus: offered | booked | expired | failed
    status: Mapped[str] = mapped_column(String(20), default=RebookStatus.OFFERED)
    slots: Mapped[str] = mapped_column(Text)  # JSON list of [start, end] ISO instants (UTC)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    booked_index: Mapped[int | None] = mapped_column(Integer)
    booked_event_id: Mapped[str | None] = mapped_column(String(400))
    transaction_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    booked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The mailbox the offer's links address (migration 0021): the service mailbox, or the
    # manager's own (a pick is read from their Sent Items). Null: an offer made before it.
    picks_to: Mapped[str | None] = mapped_column(String(320))


class TopicRow(Base):
    """Something the report (or manager) wants to talk about at the next 1-2-1."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(10))  # report | manager
    raised_on: Mapped[date] = mapped_column(Date)
    # TopicStatus: open | discussed
    status: Mapped[str] = mapped_column(String(12), default=TopicStatus.OPEN)
    carried: Mapped[int] = mapped_column(Integer, default=0)
    discussed_occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrences.id"))
    # The email it came in (topics by email): the same message never adds it twice.
    source_message_id: Mapped[str | None] = mapped_column(String(400), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ActionRow(Base):
    """An action agreed in a 1-2-1; open until ticked off in a later one (or by the CLI)."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("raised_occurrence_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    owner: Mapped[str] = mapped_column(String(256))  # a display name (Entra allows 256)
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    # ActionStatus: open | done | withdrawn (its line was edited away)
    status: Mapped[str] = mapped_column(String(10), default=ActionStatus.OPEN)
    carried: Mapped[int] = mapped_column(Integer, default=0)
    raised_on: Mapped[date] = mapped_column(Date)
    raised_occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrences.id"))
    closed_occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrences.id"))
    # What the line said, normalised: re-reading the same notes never adds it twice.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NoteRow(Base):
    """Notes from one meeting: what the manager typed in Outlook, or added with the CLI.

    Private notes (CLI --private) never leave the database: not in agendas, not in mail.
    """

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrences.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10))  # outlook | cli | mail
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A private note mailed by the manager (migration 0010): the same mail never adds twice.
    source_message_id: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)


class NoteVersionRow(Base):
    """One reading of a meeting's notes and agreed actions, kept when it differs from the
    reading kept before it: the audit trail of edits made after the meeting (`notes` holds
    only the latest reading, which agendas and mail use). Private readings stay private.
    """

    __tablename__ = "note_versions"
    # The next number is taken once per meeting (and privacy): a replica that read the same
    # edit at the same time collides here instead of keeping a second copy.
    __table_args__ = (UniqueConstraint("occurrence_id", "private", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1: as first read; then one per edit
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # JSON: a list of paragraphs; a list of {"owner", "text", "due", "done"}. "[erased]"
    # (not JSON) once erased by forget or retention.
    notes: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReportCommentRow(Base):
    """The report's reply to a meeting's summary: kept with that meeting, beside (never
    instead of) the manager's notes."""

    __tablename__ = "report_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # "m:" + a hash of the mail's Internet message id: the same mail is kept once.
    source_message_id: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuestionUseRow(Base):
    """Which prompt questions a pair has had, so none repeats until the bank is used up."""

    __tablename__ = "question_uses"
    __table_args__ = (UniqueConstraint("pairing_id", "occurrence_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"))
    question_id: Mapped[str] = mapped_column(String(40))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxRow(Base):
    """A mail to send, recorded before it is sent: the idempotency key makes a second one
    impossible, and the tag (on the message) settles what happened after a failure whose
    outcome is unknown."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # "<occurrence id>:<kind>"
    kind: Mapped[str] = mapped_column(String(20))  # summary | reminder
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("occurrences.id"))
    mailbox: Mapped[str] = mapped_column(String(320))  # the sender: the manager
    # JSON lists of {"name", "address"} (migration 0006): a display name may hold a comma.
    recipients: Mapped[str] = mapped_column(Text)  # "to"
    cc: Mapped[str] = mapped_column(Text, default="[]")
    subject: Mapped[str] = mapped_column(String(400))
    body_html: Mapped[str] = mapped_column(Text)
    tag: Mapped[str] = mapped_column(String(64), unique=True)
    # OutboxStatus: pending | sending | sent | unconfirmed | failed | suppressed
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

"""The states each stored thing moves through, named once.

They are `StrEnum`s because the database stores the plain words (old rows, SQL partial
indexes and operators reading the tables by hand all see `"held_no_notes"`, not a number), and
a `StrEnum` member compares equal to its word: rows read back compare without conversion.
"""

from __future__ import annotations

from enum import StrEnum


class PairingStatus(StrEnum):
    """A manager and report: still paired, or not."""

    ACTIVE = "active"
    ENDED = "ended"  # the reporting line ended (leaver, mover)
    SERIES_DELETED = "series_deleted"  # someone deleted the series in Outlook: left alone
    # The pair holds a 1-2-1 series of its own in Outlook that onetoone cannot take on (the
    # report organises it, or it repeats in a way onetoone cannot follow): left alone.
    OWN_SERIES = "own_series"


# How the note of a pair SERIES_DELETED begins when its manager cut the series short in
# Outlook, rather than deleting it, and its last meeting is over (the pairs sync keeps the
# wording apart).
ENDED_IN_OUTLOOK = "Ended in Outlook by the manager"
# Pairings still on the books: the pairs sync reconciles them and the CLI finds them by email
# (one whose series was deleted is kept, so it is not recreated behind the manager's back).
LIVE_PAIRINGS = (PairingStatus.ACTIVE, PairingStatus.SERIES_DELETED, PairingStatus.OWN_SERIES)
# Pairings left alone until `onetoone pairs reset` (their cadence kept current meanwhile).
WAIT_FOR_RESET = (PairingStatus.SERIES_DELETED, PairingStatus.OWN_SERIES)
# The note of an active pairing the last schedule run could not book, before the reason:
# `onetoone status` shows it (the worker's log names the pair by its key only).
NOT_BOOKED = "not booked: "


class SeriesStatus(StrEnum):
    """A recurring 1-2-1 series in the manager's calendar."""

    CREATING = "creating"  # intent stored, creation maybe in flight (adopted if it landed)
    ACTIVE = "active"
    ENDED = "ended"  # ended by onetoone (history kept)
    DELETED = "deleted"  # gone from the calendar
    # Followed by a newer series of the same pairing (the extension): its recurrence is never
    # changed (that would drop every occurrence typed into or moved), so it keeps its own
    # meetings up to its range end while the follow-on holds the later ones. Not "live":
    # the pairing's one live series is the follow-on (the unique index is on LIVE_SERIES).
    SUPERSEDED = "superseded"


# The slot note of a series whose end has begun in Outlook (its meetings to come may be
# cancelled already), before the reason: finished by a later run whatever became of the
# pairing meanwhile (a report moved back, a cadence changed back), never kept as the pair's.
ENDING = "ending: "


# The pairing's current series, one at most: planning must keep clear of them.
LIVE_SERIES = (SeriesStatus.CREATING, SeriesStatus.ACTIVE)
# Every series that may still hold meetings to come: the current one and any it followed on
# from. Occurrence sync, planning, agendas, rebooking and ending must see all of these.
HOLDING_SERIES = (*LIVE_SERIES, SeriesStatus.SUPERSEDED)
# Series whose slots are the pair's meetings: the active one and a superseded one still holding
# the meetings before its follow-on starts (one being created may not exist in Outlook yet).
MEETING_SERIES = (SeriesStatus.ACTIVE, SeriesStatus.SUPERSEDED)


class OccurrenceStatus(StrEnum):
    """What happened to one meeting of a series."""

    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"
    DECLINED = "declined"  # the report declined it
    HELD = "held"  # notes were read back
    HELD_NO_NOTES = "held_no_notes"  # it passed and nothing was typed
    # Cancelled by onetoone because its series ended (a leaver, a mover, a cadence change, a
    # move): not a missed meeting, so never rebooked, reminded or counted as missed. The
    # store's meeting lists leave these rows out; they stay only so a sync never mistakes the
    # gap in Outlook for a cancellation by the manager.
    WITHDRAWN = "withdrawn"


# Meetings whose time is over as far as the loop is concerned.
MISSED = (OccurrenceStatus.CANCELLED, OccurrenceStatus.DECLINED)


class AgendaState(StrEnum):
    """Whether an occurrence's invite carries its agenda yet."""

    PENDING = "pending"
    INJECTED = "injected"
    SKIPPED = "skipped"  # cancelled before it was due


class AbsenceState(StrEnum):
    """The absences job's verdict on one occurrence (None: not checked yet)."""

    CLEAR = "clear"
    # A move under way: the new time is stored before Graph is patched, so a rerun after a
    # crash reads the event back instead of moving the meeting twice.
    MOVING = "moving"
    MOVED = "moved"
    NO_SLOT = "no_slot"  # nowhere to move it: the manager was told
    SKIPPED = "skipped"  # a long absence: left alone, one note


class RebookStatus(StrEnum):
    """An offer to rebook a missed 1-2-1."""

    OFFERED = "offered"
    BOOKED = "booked"
    EXPIRED = "expired"
    FAILED = "failed"


class MissedReason(StrEnum):
    """Why a 1-2-1 needs rebooking."""

    CANCELLED = "cancelled"
    DECLINED = "declined"
    NOT_HELD = "not_held"


class TopicStatus(StrEnum):
    OPEN = "open"
    DISCUSSED = "discussed"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # its line was edited away: kept, no longer carried


class OutboxStatus(StrEnum):
    """A mail in the outbox: sent once, never twice."""

    PENDING = "pending"
    SENDING = "sending"  # claimed; if the sender dies here the outcome is unknown
    SENT = "sent"
    UNCONFIRMED = "unconfirmed"  # may have gone: settled from Sent Items, never resent blindly
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # a placeholder that stops a mail being queued (e.g. absent)

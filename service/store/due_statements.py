"""The statements of the due reads (store/due.py), each built once.

A tick runs each of them once or a few times, on few rows: building a statement, and its
cache key, cost more than running it (SQLAlchemy caches the SQL, not the statement object).
So none is built per call: the values are bound parameters, given when it runs. A read
whose shape depends on its input (how many zone groups a candidate read has) is built once
per shape.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from service.domain.status import (
    HOLDING_SERIES,
    LIVE_SERIES,
    MEETING_SERIES,
    AbsenceState,
    AgendaState,
    OccurrenceStatus,
    PairingStatus,
    SeriesStatus,
    TopicStatus,
)
from service.store import convert
from service.store.models import OccurrenceRow, PairingRow, PersonRow, SeriesRow, TopicRow
from service.store.people import PAIRINGS_BY_STATUS
from service.store.privacy import not_sealed

# Series whose meetings are in a calendar: the ones the occurrence sync looks after.
SYNCED = (SeriesStatus.ACTIVE, SeriesStatus.SUPERSEDED)

# What stored instants and skipped checks were worked out with (migration 0012), by name.
DUE_MARKS = Table("due_marks", MetaData(), Column("name", String(40), primary_key=True),
                  Column("value", Text, nullable=False))
MARK = select(DUE_MARKS.c.value).where(DUE_MARKS.c.name == bindparam("name"))
# (due_marks) Several at once.
MARKS = select(DUE_MARKS.c.name, DUE_MARKS.c.value).where(
    DUE_MARKS.c.name.in_(bindparam("names", expanding=True)))


def _due(now: Any) -> Any:
    """Created series with meetings in a calendar whose instant has come or is unknown."""
    return (SeriesRow.status.in_(SYNCED) & SeriesRow.event_id.is_not(None)
            & or_(SeriesRow.next_due_at.is_(None), SeriesRow.next_due_at <= now)
            # (Its listing failing: not before it may be listed again.)
            & or_(SeriesRow.listing_retry_at.is_(None), SeriesRow.listing_retry_at <= now))


DUE_IDS = select(SeriesRow.id).where(_due(bindparam("now")))
# (series_state) The series' totals (the row with no status), and the pairings' by status
# (``people.PAIRINGS_BY_STATUS``), in one statement.
SERIES_STATE = union_all(
    select(null().label("status"), func.count(SeriesRow.id), func.max(SeriesRow.id),
           func.sum(SeriesRow.revision)),
    PAIRINGS_BY_STATUS.add_columns(null()))


def _holding_in(mailboxes: Any, day: Any) -> Any:
    """Created series with meetings in a calendar organised in ``mailboxes`` (lower case):
    the active ones, and the superseded ones whose range reaches ``day`` (a follow-on holds
    the later meetings; the pair still meets on the older one until its range end)."""
    return (func.lower(SeriesRow.mailbox).in_(mailboxes) & SeriesRow.status.in_(SYNCED)
            & SeriesRow.event_id.is_not(None)
            & ((SeriesRow.status == SeriesStatus.ACTIVE) | (SeriesRow.range_end >= day)))


_VIEW_WHERE = {
    "due": lambda: _due(bindparam("now")),
    "ids": lambda: SeriesRow.id.in_(bindparam("ids", expanding=True)),
    "mailboxes": lambda: _holding_in(bindparam("mailboxes", expanding=True),
                                     bindparam("day")),
}


@functools.cache
def view_rows(where: str) -> Any:
    """Series (``ids``; those due at ``now``; or those holding meetings in ``mailboxes`` on
    or after ``day``) with their pairing, both people and the pairing's live series (the
    follow-on of a superseded one), in one statement."""
    manager, report, live = aliased(PersonRow), aliased(PersonRow), aliased(SeriesRow)
    return (select(SeriesRow, PairingRow, manager, report, live)
            .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
            .join(manager, manager.id == PairingRow.manager_id)
            .join(report, report.id == PairingRow.report_id)
            .outerjoin(live, (live.pairing_id == PairingRow.id)
                       & live.status.in_(LIVE_SERIES))
            .where(_VIEW_WHERE[where]()))


def followed(start: Any) -> Any:
    """Meetings from ``start`` on whose changes the occurrence sync follows (joined to
    their series)."""
    return ((OccurrenceRow.start >= start) & OccurrenceRow.rebook_of.is_(None)
            & OccurrenceRow.captured_at.is_(None) & (OccurrenceRow.event_id != "")
            & OccurrenceRow.status.not_in((OccurrenceStatus.CANCELLED,
                                           OccurrenceStatus.WITHDRAWN))
            & SeriesRow.status.in_(SYNCED) & SeriesRow.event_id.is_not(None))


# (followed_starts) By start, indexed: a meeting moved from its slot stays within its cadence,
# up to ``reach``; one moved later counts by its slot too.
FOLLOWED_STARTS = select(
    SeriesRow.mailbox, OccurrenceRow.start, OccurrenceRow.original_start
).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id).where(
    followed(bindparam("start")), OccurrenceRow.start < bindparam("reach"),
    or_(OccurrenceRow.start < bindparam("end"),
        (OccurrenceRow.original_start >= bindparam("start"))
        & (OccurrenceRow.original_start < bindparam("end"))))

# (read_backs_due) Meetings never read back that ended in [ended_from, ended_until) and
# still stand (``again`` false); meetings read back whose next look has come by ``now``
# (true). Columns, not ORM rows; both reads in one statement (each by its own index).
def _read(again: bool) -> Any:
    return (select(*convert.OCCURRENCE_COLUMNS, SeriesRow.mailbox,
                   literal(again).label("again"))
            .select_from(OccurrenceRow).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id))


READ_AGAIN = _read(True).where(OccurrenceRow.read_back_at <= bindparam("now"), not_sealed())
READ_BOTH = union_all(_read(False).where(
    OccurrenceRow.captured_at.is_(None), OccurrenceRow.end >= bindparam("ended_from"),
    OccurrenceRow.end < bindparam("ended_until"),
    OccurrenceRow.status.not_in((OccurrenceStatus.CANCELLED, OccurrenceStatus.WITHDRAWN))),
    READ_AGAIN)

# -- the candidate reads (agenda_candidates, absence_candidates) ------------------------------

# The people of a meeting's pairing, aliased once: an alias built per call proxies each of
# the table's columns again.
_MANAGER, _REPORT = aliased(PersonRow, name="manager"), aliased(PersonRow, name="report")
# A meeting's zone and its manager's working days as stored: what its bounds are worked out
# from, and the key its group of bounds is found by.
_DAYS_TEXT = func.coalesce(_MANAGER.working_days, "")
_KEYED = tuple_(SeriesRow.time_zone, _DAYS_TEXT)


def _with_people(query: Any) -> Any:
    """``query`` over meetings joined to their series, pairing and both people (a meeting
    whose pairing lost a person has no context)."""
    return (query.select_from(OccurrenceRow)
            .join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
            .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
            .join(_MANAGER, _MANAGER.id == PairingRow.manager_id)
            .join(_REPORT, _REPORT.id == PairingRow.report_id))


def _agenda_rows(*columns: Any) -> Any:
    """Meetings in [start, end) whose agenda may be due (see agenda_candidates)."""
    open_topic = exists().where(TopicRow.pairing_id == SeriesRow.pairing_id,
                                TopicRow.status == TopicStatus.OPEN)
    return _with_people(select(*columns)).where(
        OccurrenceRow.start >= bindparam("start"), OccurrenceRow.start < bindparam("end"),
        OccurrenceRow.status.not_in((OccurrenceStatus.WITHDRAWN, OccurrenceStatus.CANCELLED)),
        SeriesRow.status.in_(HOLDING_SERIES), PairingRow.status == PairingStatus.ACTIVE,
        (OccurrenceRow.agenda_state == AgendaState.PENDING)
        | ((OccurrenceRow.agenda_updates < bindparam("updates_below")) & open_topic))


def _absence_rows(*columns: Any) -> Any:
    """Meetings in [start, end) whose absence check may be due (see absence_candidates):
    statuses ``excluded`` left out."""
    held_back = ((OccurrenceRow.agenda_state == AgendaState.SKIPPED)
                 & (OccurrenceRow.absence_state == AbsenceState.SKIPPED))
    return _with_people(select(*columns)).where(
        OccurrenceRow.start >= bindparam("start"), OccurrenceRow.start < bindparam("end"),
        OccurrenceRow.status.not_in(bindparam("excluded", expanding=True)),
        OccurrenceRow.rebook_of.is_(None),
        # The active series, and a superseded one: it keeps its meetings up to its range end.
        SeriesRow.status.in_(MEETING_SERIES),
        # Not by the index on it: SQLite (no statistics) would start from every active
        # pairing, 15 ms at 10,000 pairs, rather than from the start index (0.3 ms). The
        # caller checks it again.
        func.lower(PairingRow.status) == PairingStatus.ACTIVE,
        (OccurrenceRow.agenda_state == AgendaState.PENDING) | held_back)


# The zones and working days in play (a handful), first: each meeting's bounds are then
# plain comparisons the database makes on the start index.
AGENDA_ZONES = _agenda_rows(SeriesRow.time_zone, _DAYS_TEXT).distinct()
ABSENCE_ZONES = _absence_rows(SeriesRow.time_zone, _DAYS_TEXT).distinct()
_BY_START = (OccurrenceRow.start, OccurrenceRow.id)


@functools.lru_cache(maxsize=64)
def agenda_found(groups: int) -> Any:
    """The meetings of ``_agenda_rows`` (with their series id, by start) of each group ``i``
    of zones and working days (``keys<i>``, a list of pairs) starting before ``bound<i>``."""
    return _agenda_rows(OccurrenceRow, SeriesRow.id).where(or_(*(
        and_(OccurrenceRow.start < bindparam(f"bound{i}"),
             _KEYED.in_(bindparam(f"keys{i}", expanding=True)))
        for i in range(groups)))).order_by(*_BY_START)


@functools.lru_cache(maxsize=64)
def absence_found(groups: int) -> Any:
    """The meetings of ``_absence_rows`` (with their series id, by start) moving, or of a
    group ``i`` (``keys<i>``) starting before ``first<i>`` (the first check's bound) when
    never checked, or before ``again<i>`` (the second check's) when checked before ``now``:
    the second check is due once its day has come and it was not made since."""
    checked = OccurrenceRow.absence_checked_at
    return _absence_rows(OccurrenceRow, SeriesRow.id).where(or_(
        OccurrenceRow.absence_state == AbsenceState.MOVING, *(
            and_(_KEYED.in_(bindparam(f"keys{i}", expanding=True)),
                 OccurrenceRow.start < bindparam(f"first{i}"),
                 checked.is_(None) | ((OccurrenceRow.start < bindparam(f"again{i}"))
                                      & (checked < bindparam("now"))))
            for i in range(groups)))).order_by(*_BY_START)

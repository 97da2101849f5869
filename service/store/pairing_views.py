"""The reads of pairing views (a pairing, both its people and its live series), each
statement built once: building one, and its cache key, cost more than running it for the
few rows a tick reads (SQLAlchemy caches the SQL, not the statement object)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from service.domain.records import PairingRecord, PairingView, PersonRecord, SeriesRecord
from service.domain.status import ENDING, LIVE_SERIES, PairingStatus, SeriesStatus
from service.store import convert
from service.store.models import PairingRow, PersonRow, SeriesRow

# A pairing's live series, joined to it (at most one: the unique index).
_LIVE = aliased(SeriesRow)


@functools.cache
def _views_select() -> tuple[Any, tuple[int, int, int, int]]:
    """The pairing views' statement (without its WHERE), built once as the statements below
    (a tick reads views several times), and where its parts start in a row: the manager's,
    the report's, the live series' and that series' id (None: no live series)."""
    manager, report = aliased(PersonRow), aliased(PersonRow)
    # Columns, not ORM rows: the schedule job reads every pair this way before its first
    # request goes out, and four ORM objects a pair were most of that wait.
    parts = (convert.columns_of(PairingRow, PairingRecord),
             convert.columns_of(manager, PersonRecord),
             convert.columns_of(report, PersonRecord), convert.columns_of(_LIVE, SeriesRecord))
    q = (select(*(column for part in parts for column in part))
         .select_from(PairingRow)
         .join(manager, manager.id == PairingRow.manager_id)
         .join(report, report.id == PairingRow.report_id)
         .outerjoin(_LIVE, (_LIVE.pairing_id == PairingRow.id) & _LIVE.status.in_(LIVE_SERIES)))
    a = len(parts[0])
    b = a + len(parts[1])
    c = b + len(parts[2])
    return q, (a, b, c, c + convert.field_names(SeriesRecord).index("id"))


_OWN = PairingRow.status == PairingStatus.OWN_SERIES
_ACTIVE = PairingRow.status == PairingStatus.ACTIVE
# The WHERE of each read of views, by name; values are bound when it runs (`read_views`).
VIEW_FILTERS: dict[str, Any] = {
    "all": lambda: None,
    "statuses": lambda: PairingRow.status.in_(bindparam("statuses", expanding=True)),
    "pairings": lambda: PairingRow.id.in_(bindparam("ids", expanding=True)),
    "active": lambda: PairingRow.id.in_(bindparam("ids", expanding=True)) & _ACTIVE,
    # (views_to_end)
    "to_end": lambda: _LIVE.id.is_not(None) & (
        PairingRow.status.in_((PairingStatus.ENDED, PairingStatus.SERIES_DELETED))
        | (_ACTIVE & ((func.coalesce(_LIVE.policy_cadence, _LIVE.cadence) != PairingRow.cadence)
                      | (func.coalesce(_LIVE.policy_minutes, _LIVE.minutes)
                         != PairingRow.minutes)
                      | _LIVE.slot_note.startswith(ENDING, autoescape=True)))),
    # (own_series_due) The managers with one due, and all their pairings left so.
    "own_due": lambda: _OWN & PairingRow.manager_id.in_(select(PairingRow.manager_id).where(
        _OWN, PairingRow.own_check_at.is_(None)
        | (PairingRow.own_check_at <= bindparam("now")))),
    "to_create": lambda: _ACTIVE & (_LIVE.id.is_(None) | (_LIVE.status == SeriesStatus.CREATING)),
}


@functools.cache
def _views_of(where: str) -> tuple[Any, tuple[int, int, int, int]]:
    """``_views_select`` with the WHERE named, built once."""
    q, parts = _views_select()
    clause = VIEW_FILTERS[where]()
    return (q if clause is None else q.where(clause)), parts



def read_views(s: Session | Connection, where: str, values: Mapping[str, Any]) -> list[PairingView]:
    """The views ``VIEW_FILTERS[where]`` picks, its parameters bound to ``values``, ordered
    by manager then report."""
    q, (a, b, c, live_id) = _views_of(where)
    out = [PairingView(convert.pairing_from(row[:a]), convert.person_from(row[a:b]),
                       convert.person_from(row[b:c]),
                       convert.series_from(row[c:]) if row[live_id] is not None else None)
           for row in s.execute(q, values)]
    out.sort(key=lambda v: (v.manager.name.lower(), v.report.name.lower()))
    return out

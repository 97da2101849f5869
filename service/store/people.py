"""People and pairings: who manages whom, and what their mailboxes say."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.domain.directory import PURPOSE, UserValues
from service.domain.model import CadenceKind
from service.domain.pairing import CurrentPairing
from service.domain.records import (
    PairingRecord,
    PairingView,
    PersonRecord,
    PersonUpdate,
)
from service.domain.status import (
    ENDED_IN_OUTLOOK,
    LIVE_PAIRINGS,
    LIVE_SERIES,
    WAIT_FOR_RESET,
    PairingStatus,
)
from service.store import convert
from service.store.base import Repository, chunks, log
from service.store.models import PairingRow, PersonRow, SeriesRow
from service.store.pairing_views import read_views
from service.store.series import mark_renamed

# The directory as last read (migration 0007). Plain tables: only this module touches them.
_tables = MetaData()
DIRECTORY_USERS = Table("directory_users", _tables, Column("id", String(100), primary_key=True),
                        Column("data", Text, nullable=False))
DIRECTORY_SYNC = Table("directory_sync", _tables, Column("source", String(40), primary_key=True),
                       Column("delta_link", Text, nullable=False))


# Reads the schedule job makes for every manager, built once: building a statement costs
# more than running it for a few rows (SQLAlchemy caches the SQL, not the object).
_MAILBOX_COLUMNS = select(PersonRow.id, PersonRow.time_zone, PersonRow.working_days,
                          PersonRow.working_start, PersonRow.working_end).where(
    PersonRow.id.in_(bindparam("ids", expanding=True)))
_PERSON = cast(Table, PersonRow.__table__)
_SET_MAILBOX = update(_PERSON).where(_PERSON.c.id == bindparam("pid"))
# Emptied, and the version moved on, so that an instant worked out from what was read
# before a write is not stored over it (see store/due.py, which names it FORGET).
FORGET_DUE = {"next_due_at": None, "due_version": SeriesRow.due_version + 1}


def forget_due_of_managers(conn: Connection, managers: Iterable[str]) -> None:
    """The series of these managers are due to be worked out again: their working days
    changed (see store/due.py)."""
    for people in chunks(sorted(set(managers))):
        conn.execute(update(SeriesRow).where(SeriesRow.pairing_id.in_(
            select(PairingRow.id).where(PairingRow.manager_id.in_(people)))).values(**FORGET_DUE))


_PEOPLE = select(*convert.columns_of(PersonRow, PersonRecord)).where(
    PersonRow.id.in_(bindparam("ids", expanding=True)))
_PEOPLE_BY_EMAIL = select(*convert.columns_of(PersonRow, PersonRecord)).where(
    PersonRow.email.in_(bindparam("emails", expanding=True)))
_MAILBOX_READ = select(PersonRow.id, PersonRow.mailbox_read_at).where(
    PersonRow.id.in_(bindparam("ids", expanding=True)), PersonRow.mailbox_read_at.is_not(None))


class PairingChange(NamedTuple):
    """One change a pairs sync makes: "upsert" (create, reactivate or re-cadence; the reason
    is the cadence's), "end" (the reason it ended) or "note" (the reason is the note)."""

    kind: str
    key: str
    reason: str = ""
    manager_id: str = ""
    report_id: str = ""
    cadence: str = ""
    minutes: int = 0
    source: str = ""


def _upsert_pairing_row(s: Session, row: PairingRow | None, *, key: str, manager_id: str,
                        report_id: str, cadence: str, minutes: int, reason: str, source: str,
                        now: datetime) -> PairingRow:
    """Create the pairing's row, or reactivate it with the new cadence (left as it is when
    it already says all that: an unchanged pairing is not rewritten)."""
    if row is None:
        row = PairingRow(key=key, manager_id=manager_id, report_id=report_id,
                         created_at=now, note="", end_reason="")
        s.add(row)
    elif row.status in WAIT_FOR_RESET:
        # Only `pairs reset` (or, for one left to its own series, the schedule run once that
        # series is over) brings it back, but at the cadence the pair has by then: kept
        # current here, or the reset pair is booked at a stale one and re-booked at once.
        if (row.cadence, row.minutes, row.cadence_reason, row.source) != (
                cadence, minutes, reason, source):
            row.cadence, row.minutes, row.cadence_reason = cadence, minutes, reason
            row.source, row.updated_at = source, now
        return row
    elif (row.status, row.cadence, row.minutes, row.cadence_reason, row.source,
          row.ended_at, row.end_reason) == (PairingStatus.ACTIVE, cadence, minutes, reason,
                                            source, None, ""):
        return row
    row.status, row.cadence, row.minutes = PairingStatus.ACTIVE, cadence, minutes
    row.cadence_reason, row.source, row.updated_at = reason, source, now
    row.ended_at, row.end_reason = None, ""
    return row


# Statements each tick runs, built once (the values are bound when they run).
PAIRINGS_BY_STATUS = select(PairingRow.status, func.count(PairingRow.id),
                            func.max(PairingRow.id)).group_by(PairingRow.status)
_DELTA_LINK = select(DIRECTORY_SYNC.c.delta_link).where(
    DIRECTORY_SYNC.c.source == bindparam("source"))
_SET_LINK = update(DIRECTORY_SYNC).where(DIRECTORY_SYNC.c.source == bindparam("b_source")
                                         ).values(delta_link=bindparam("b_link"))
_ADD_LINK = insert(DIRECTORY_SYNC)


def pairings_state(s: Session | Connection) -> str:
    """See ``PeopleRepository.pairings_state``."""
    return pairings_text(list(s.execute(PAIRINGS_BY_STATUS)))


def pairings_text(rows: Sequence[Any]) -> str:
    """``pairings_state`` from the rows of ``PAIRINGS_BY_STATUS``."""
    newest = max((row[2] for row in rows), default=None)
    counts = sorted((str(status), n) for status, n, _newest in rows)
    return f"{newest} " + ",".join(f"{status}:{n}" for status, n in counts)


class PeopleRepository(Repository):
    """People (directory or pairs file) and the pairings between them."""

    # -- people -----------------------------------------------------------------------------

    def upsert_people(self, people: Iterable[PersonUpdate], now: datetime) -> None:
        people = list(people)
        self._racing("people", lambda: self._upsert_people(people, now))

    def _upsert_people(self, people: list[PersonUpdate], now: datetime) -> None:
        """Only new people and changed ones are written (``seen_at``: when what we know of
        them last changed), so a sync with nothing new writes nothing. A date format not
        read by the sync (None) leaves the stored one."""
        with self.session() as s, s.begin():
            for part in chunks(people):
                # Compared as plain values, a chunk at a time (no ORM rows, not all at once).
                known = {pid: tuple(rest) for pid, *rest in s.execute(select(
                    PersonRow.id, PersonRow.email, PersonRow.name, PersonRow.hired_at,
                    PersonRow.manages_others, PersonRow.active, PersonRow.given_name,
                    PersonRow.aliases, PersonRow.date_format)
                    .where(PersonRow.id.in_([p.id for p in part])))}
                added: list[dict[str, Any]] = []
                changed: list[dict[str, Any]] = []
                renamed = [p.id for p in part if p.id in known and known[p.id][1] != p.name]
                for p in part:
                    stored = known.get(p.id)
                    date_format = p.date_format if p.date_format is not None else (
                        stored[-1] if stored else None)
                    aliases = convert.aliases_text(p.aliases)
                    values = (p.email, p.name, p.hired_at, p.manages_others, True,
                              p.given_name, aliases, date_format)
                    if stored == values:
                        continue
                    (changed if p.id in known else added).append({
                        "id": p.id, "email": p.email, "name": p.name, "hired_at": p.hired_at,
                        "manages_others": p.manages_others, "active": True, "seen_at": now,
                        "given_name": p.given_name, "date_format": date_format,
                        "aliases": aliases})
                    known[p.id] = values  # a person listed twice is written once
                if added:
                    s.execute(insert(PersonRow), added)
                if changed:
                    s.execute(update(PersonRow), changed)  # by primary key
                if renamed:
                    mark_renamed(s, renamed, now)

    def set_mailbox_info(
        self, person_id: str, *, time_zone: str | None, days: Iterable[int] | None,
        start: str | None, end: str | None, now: datetime | None = None,
    ) -> None:
        """What a person's mailbox settings say, read at ``now``."""
        with self.session() as s, s.begin():
            row = s.get(PersonRow, person_id)
            if row is not None:
                row.time_zone, row.working_days = time_zone, convert.days_text(days)
                row.working_start, row.working_end = start, end
                row.mailbox_read_at = now

    def set_mailbox_infos(self, infos: Mapping[str, Mapping[str, Any]], now: datetime
                          ) -> set[str]:
        """``set_mailbox_info`` for many people (by id: its keyword arguments), in one
        transaction.

        A first rollout stores everyone's at once, while the series are being POSTed: one
        Core executemany, not an ORM row loaded, compared and flushed per person (a tenth
        of a second of the event loop at 1,000 pairs). So it does itself what the flush
        hook does for such a write (store/due.py): the series of a manager whose working
        days changed are due to be worked out again. Returns the ids of the people whose
        zone or working hours changed (their series may now fall outside them). A
        ``date_format`` is written for those it is given for (read from mailboxSettings:
        getSchedule's hours carry none)."""
        changed: set[str] = set()
        with self.session() as s, s.begin():
            formats = [{"pid": pid, "date_format": info["date_format"]}
                       for pid, info in infos.items() if "date_format" in info]
            if formats:
                s.execute(_SET_MAILBOX, formats)
            for part in chunks(list(infos)):
                was = {row[0]: tuple(row[1:]) for row in s.execute(_MAILBOX_COLUMNS,
                                                                   {"ids": part})}
                stored = {pid: row[1] for pid, row in was.items()}
                values = [{"pid": pid, "time_zone": infos[pid]["time_zone"],
                           "working_days": convert.days_text(infos[pid]["days"]),
                           "working_start": infos[pid]["start"],
                           "working_end": infos[pid]["end"], "mailbox_read_at": now}
                          for pid in part if pid in stored]
                if not values:
                    continue
                s.execute(_SET_MAILBOX, values)
                forget_due_of_managers(s.connection(), [
                    v["pid"] for v in values if v["working_days"] != stored[v["pid"]]])
                changed.update(v["pid"] for v in values if was[v["pid"]] != (
                    v["time_zone"], v["working_days"], v["working_start"], v["working_end"]))
        return changed

    def mailbox_read(self, ids: Iterable[str]) -> dict[str, datetime]:
        """When each person's mailbox settings were last read (people never read, or
        changed in the directory since, are left out)."""
        out: dict[str, datetime] = {}
        with self.reading() as s:
            for part in chunks(list(dict.fromkeys(ids))):
                for pid, at in s.execute(_MAILBOX_READ, {"ids": part}):
                    if at is not None:
                        out[pid] = at
        return out

    def set_date_format(self, person_id: str, date_format: str) -> None:
        """Keep the date format read for one person (mailboxSettings' dateFormat; "": none
        given), on its own: see jobs/date_format.py."""
        with self.session() as s, s.begin():
            s.execute(_SET_MAILBOX, [{"pid": person_id, "date_format": date_format}])

    def forget_mailbox_read(self, ids: Iterable[str]) -> None:
        """The directory reported a change to these people: read their mailbox settings
        again when they are next needed."""
        with self.session() as s, s.begin():
            for part in chunks(list(dict.fromkeys(ids))):
                s.execute(update(PersonRow).where(PersonRow.id.in_(part),
                                                  PersonRow.mailbox_read_at.is_not(None))
                          .values(mailbox_read_at=None))

    def people(self, ids: Iterable[str]) -> dict[str, PersonRecord]:
        ids = list(ids)
        with self.reading() as s:  # no ORM rows, and a statement built once: see _views
            found = [convert.person_from(row) for row in s.execute(_PEOPLE, {"ids": ids})]
        return {p.id: p for p in found}

    def people_by_email(self, emails: Iterable[str]) -> list[PersonRecord]:
        """Everyone stored under one of these (lower-case) addresses: whom onetoone knew by
        it, though the directory may no longer list them (a leaver deleted since)."""
        found: list[PersonRecord] = []
        with self.reading() as s:
            for part in chunks(sorted(set(emails))):
                found += [convert.person_from(row)
                          for row in s.execute(_PEOPLE_BY_EMAIL, {"emails": part})]
        return found

    def mark_absent(self, present_ids: AbstractSet[str]) -> None:
        """People not in the source any more are inactive (history stays)."""
        with self.session() as s, s.begin():
            gone = [pid for pid in s.scalars(select(PersonRow.id)
                                             .where(PersonRow.active.is_(True)))
                    if pid not in present_ids]
            for part in chunks(gone):
                s.execute(update(PersonRow).where(PersonRow.id.in_(part)).values(active=False))

    # -- the directory as last read ---------------------------------------------------------

    def directory_rows(self, source: str, size: int = 2000) -> Iterator[tuple[str, UserValues]]:
        """Every user known from the directory (none without a delta link: the next read
        is a full one), a user at a time, read in pages of ``size`` by id (a short
        statement each, so no session stays open between them): the directory's size in
        memory is the caller's choice."""
        if self.directory_link(source) is None:
            return
        last = ""
        while True:
            with self.reading() as s:
                page = s.execute(select(DIRECTORY_USERS.c.id, DIRECTORY_USERS.c.data)
                                 .where(DIRECTORY_USERS.c.id > last)
                                 .order_by(DIRECTORY_USERS.c.id).limit(size)).all()
            for uid, data in page:
                yield uid, json.loads(data)
            if len(page) < size:
                return
            last = page[-1][0]

    def directory_link(self, source: str) -> str | None:
        """The delta link to read the directory's changes since (None: read it whole)."""
        with self.reading() as s:
            return s.scalar(_DELTA_LINK, {"source": source}) or None

    def save_directory_link(self, source: str, delta_link: str) -> None:
        """Keep a new delta link after a read that changed no user."""
        self.save_directory(source, {}, {}, delta_link)

    def pairings_state(self) -> str:
        """A text that changes whenever a pairing is added or changes state (counted by
        state: whatever clock the write was made by). Only the pairs sync changes their
        cadence."""
        with self.reading_rows() as s:
            return pairings_state(s)

    def save_directory(self, source: str, before: Mapping[str, UserValues],
                       after: Mapping[str, UserValues], delta_link: str) -> None:
        """Write only the users that changed, and the link, in one transaction."""
        try:
            self._save_directory(source, before, after, delta_link)
        except IntegrityError:
            # Another replica stored this read first; the next read starts from theirs.
            log.info("store.race_retried", extra={"what": "directory"})

    def _save_directory(self, source: str, before: Mapping[str, UserValues],
                        after: Mapping[str, UserValues], delta_link: str) -> None:
        with self.session() as s, s.begin():
            for gone in chunks(uid for uid in before if uid not in after):
                s.execute(delete(DIRECTORY_USERS).where(DIRECTORY_USERS.c.id.in_(gone)))
            for part in chunks(uid for uid, values in after.items()
                               if before.get(uid) != values):
                rows = [{"uid": uid, "data": json.dumps(after[uid], sort_keys=True, default=str)}
                        for uid in part]
                changed = [r for r in rows if r["uid"] in before]
                if changed:  # executemany: one statement for the chunk
                    s.execute(update(DIRECTORY_USERS)
                              .where(DIRECTORY_USERS.c.id == bindparam("uid"))
                              .values(data=bindparam("data")), changed)
                added = [{"id": r["uid"], "data": r["data"]} for r in rows
                         if r["uid"] not in before]
                if added:
                    s.execute(insert(DIRECTORY_USERS), added)
            # (Kept in place: one statement each sync but the first.)
            if not s.execute(_SET_LINK, {"b_source": source, "b_link": delta_link}
                             ).rowcount:  # type: ignore[attr-defined]
                s.execute(_ADD_LINK, {"source": source, "delta_link": delta_link})

    def save_directory_purposes(self, purposes: Mapping[str, str]) -> None:
        """Keep each user's mailbox purpose (by id) with their stored directory values (a
        user the stored copy does not hold is left out: read again next time)."""
        with self.session() as s, s.begin():
            for part in chunks(list(purposes)):
                rows = [{"uid": uid, "data": json.dumps(
                    {**json.loads(data), PURPOSE: purposes[uid]}, sort_keys=True, default=str)}
                    for uid, data in s.execute(select(DIRECTORY_USERS.c.id, DIRECTORY_USERS.c.data)
                                               .where(DIRECTORY_USERS.c.id.in_(part)))]
                if rows:
                    s.execute(update(DIRECTORY_USERS)
                              .where(DIRECTORY_USERS.c.id == bindparam("uid"))
                              .values(data=bindparam("data")), rows)

    # -- pairings ---------------------------------------------------------------------------

    def pairings(self, statuses: Sequence[str] | None = None) -> list[PairingRecord]:
        with self.reading() as s:
            q = select(PairingRow).order_by(PairingRow.id)
            if statuses:
                q = q.where(PairingRow.status.in_(statuses))
            return [convert.pairing(r) for r in s.scalars(q)]

    def live_pairings(self, statuses: Sequence[str]) -> list[CurrentPairing]:
        """The pairings in ``statuses`` as a pairs sync compares them: plain values, and
        each repeated text (a manager's id, a status, a reason) held once, not per row."""
        texts: dict[str, str] = {}

        def once(text: str | None) -> str:
            return texts.setdefault(text or "", text or "")

        with self.session() as s:  # (streamed: a server-side cursor needs a transaction)
            return [CurrentPairing(key=key, manager_id=once(manager_id), report_id=report_id,
                                   cadence=CadenceKind(cadence), minutes=minutes,
                                   status=once(status), cadence_reason=once(reason),
                                   source=once(source), ended=ended_at is not None,
                                   end_reason=once(end_reason),
                                   ended_in_outlook=bool(cut))
                    for key, manager_id, report_id, status, cadence, minutes, reason, source,
                    ended_at, end_reason, cut in s.execute(
                        select(PairingRow.key, PairingRow.manager_id, PairingRow.report_id,
                               PairingRow.status, PairingRow.cadence, PairingRow.minutes,
                               PairingRow.cadence_reason, PairingRow.source,
                               PairingRow.ended_at, PairingRow.end_reason,
                               PairingRow.note.startswith(ENDED_IN_OUTLOOK,
                                                          autoescape=True))
                        .where(PairingRow.status.in_(statuses)).order_by(PairingRow.id)
                        # streamed: the ORM would otherwise fetch every row first
                        .execution_options(yield_per=2000))]

    def pairing(self, pairing_id: int) -> PairingRecord | None:
        with self.reading() as s:
            row = s.get(PairingRow, pairing_id)
            return convert.pairing(row) if row is not None else None

    def pairing_by_key(self, key: str) -> PairingRecord | None:
        with self.reading() as s:
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            return convert.pairing(row) if row is not None else None

    def upsert_pairing(
        self, *, key: str, manager_id: str, report_id: str, cadence: str, minutes: int,
        reason: str, source: str, now: datetime,
    ) -> PairingRecord:
        """Create the pairing, or reactivate it (same two people again) with the new cadence."""
        return self._racing("pairing", lambda: self._upsert_pairing(
            key=key, manager_id=manager_id, report_id=report_id, cadence=cadence,
            minutes=minutes, reason=reason, source=source, now=now))

    def _upsert_pairing(
        self, *, key: str, manager_id: str, report_id: str, cadence: str, minutes: int,
        reason: str, source: str, now: datetime,
    ) -> PairingRecord:
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            row = _upsert_pairing_row(s, row, key=key, manager_id=manager_id,
                                      report_id=report_id, cadence=cadence, minutes=minutes,
                                      reason=reason, source=source, now=now)
            s.flush()
            return convert.pairing(row)

    def apply_pairings(self, changes: Sequence[PairingChange], now: datetime) -> None:
        """Apply a pairs sync's changes in order, in one transaction (one commit per sync,
        not per pair). An upsert of a pairing already as asked writes nothing."""
        self._racing("pairings", lambda: self._apply_pairings(changes, now))

    def _apply_pairings(self, changes: Sequence[PairingChange], now: datetime) -> None:
        with self.session() as s, s.begin():
            rows: dict[str, PairingRow] = {}
            for part in chunks(dict.fromkeys(c.key for c in changes)):
                rows.update((r.key, r) for r in s.scalars(
                    select(PairingRow).where(PairingRow.key.in_(part))))
            for c in changes:
                row = rows.get(c.key)
                if c.kind == "upsert":
                    assert c.manager_id and c.report_id and c.cadence
                    rows[c.key] = _upsert_pairing_row(
                        s, row, key=c.key, manager_id=c.manager_id, report_id=c.report_id,
                        cadence=c.cadence, minutes=c.minutes, reason=c.reason,
                        source=c.source, now=now)
                elif c.kind == "end" and row is not None and row.status != PairingStatus.ENDED:
                    row.status, row.end_reason, row.ended_at, row.updated_at = (
                        PairingStatus.ENDED, c.reason, now, now)
                elif c.kind == "note" and row is not None and row.note != c.reason:
                    row.note, row.updated_at = c.reason, now

    def end_pairing(self, key: str, reason: str, now: datetime) -> None:
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is not None and row.status != PairingStatus.ENDED:
                row.status, row.end_reason, row.ended_at, row.updated_at = (
                    PairingStatus.ENDED, reason, now, now)

    def set_cadence(self, key: str, cadence: str, minutes: int, reason: str,
                    now: datetime) -> None:
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is not None:
                row.cadence, row.minutes, row.cadence_reason, row.updated_at = (
                    cadence, minutes, reason, now)

    def set_pairing_note(self, key: str, note: str, now: datetime) -> None:
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is not None and row.note != note:
                row.note, row.updated_at = note, now

    def reset_pairing(self, key: str, now: datetime) -> bool:
        """Allow a pairing whose series was deleted, or that was left to a series of its
        own, to be scheduled again."""
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is None or row.status not in WAIT_FOR_RESET:
                return False
            row.status, row.note, row.updated_at = PairingStatus.ACTIVE, "", now
            row.own_event_id, row.own_check_at = None, None
            return True

    # -- views ------------------------------------------------------------------------------

    def views(self, statuses: Sequence[str] | None = None) -> list[PairingView]:
        """Pairings with both people and the live series, ordered by manager then report."""
        if statuses:
            return self._views("statuses", statuses=list(statuses))
        return self._views("all")

    def views_to_end(self) -> list[PairingView]:
        """The pairings whose live series must end (see ``stale_reason``): the pairing
        ended or its series was deleted in Outlook (the follow-on booked before goes too),
        or its cadence or length is no longer the series', or its end has begun."""
        return self._views("to_end")

    def leave_to_own_series(self, pairing_id: int, why: str, now: datetime, *,
                            event_id: str, check_at: datetime) -> bool:
        """An active pairing is left to a 1-2-1 series it holds in Outlook (``why``, shown
        by `onetoone status`; ``event_id``, that series in the manager's calendar) and
        looked at again at ``check_at``; False when it is no longer active."""
        return self._own_series(pairing_id, PairingStatus.ACTIVE, why, event_id, check_at,
                                now)

    def still_own_series(self, pairing_id: int, why: str, now: datetime, *, event_id: str,
                         check_at: datetime) -> bool:
        """A pairing left to its own series was looked at and still holds one (maybe
        another, re-made by hand): kept so, looked at again at ``check_at``."""
        return self._own_series(pairing_id, PairingStatus.OWN_SERIES, why, event_id,
                                check_at, now)

    def _own_series(self, pairing_id: int, was: str, why: str, event_id: str,
                    check_at: datetime, now: datetime) -> bool:
        with self.session() as s, s.begin():
            row = s.get(PairingRow, pairing_id)
            if row is None or row.status != was:
                return False
            row.status, row.note, row.updated_at = PairingStatus.OWN_SERIES, why, now
            row.own_event_id, row.own_check_at = event_id, check_at
            return True

    def own_series_due(self, now: datetime) -> list[PairingView]:
        """The pairings left to their own series of each manager with one due to be looked
        at again (never looked at since migration 0020 included): the read of her series
        that one needs serves them all, and their looks fall together from then on."""
        return self._views("own_due", now=now)

    def back_from_own_series(self, pairing_ids: Iterable[int], now: datetime) -> None:
        """These pairings' own series is over or gone: active again, to be booked."""
        with self.session() as s, s.begin():
            for part in chunks(sorted(set(pairing_ids))):
                s.execute(update(PairingRow).where(
                    PairingRow.id.in_(part), PairingRow.status == PairingStatus.OWN_SERIES
                ).values(status=PairingStatus.ACTIVE, note="", own_event_id=None,
                         own_check_at=None, updated_at=now))

    def views_to_create(self) -> list[PairingView]:
        """Active pairings without a live series, or whose series is still being created."""
        return self._views("to_create")

    def _views(self, where: str, **values: Any) -> list[PairingView]:
        with self.reading_rows() as s:
            return read_views(s, where, values)

    def views_of_pairings(self, pairing_ids: Iterable[int]) -> dict[int, PairingView]:
        """``view_of_pairing`` of many pairings, by pairing id (one statement per chunk)."""
        out: dict[int, PairingView] = {}
        for part in chunks(sorted(set(pairing_ids))):
            out.update((v.pairing.id, v) for v in self._views("pairings", ids=part))
        return out

    def view_of_pairing(self, pairing_id: int) -> PairingView | None:
        with self.reading() as s:
            p = s.get(PairingRow, pairing_id)
            if p is None:
                return None
            live = s.scalar(select(SeriesRow).where(SeriesRow.pairing_id == p.id,
                                                    SeriesRow.status.in_(LIVE_SERIES)))
            manager, report = s.get(PersonRow, p.manager_id), s.get(PersonRow, p.report_id)
            assert manager is not None and report is not None  # foreign keys
            return PairingView(convert.pairing(p), convert.person(manager),
                               convert.person(report),
                               convert.series(live) if live is not None else None)

    def find_pairing(self, ref: str) -> PairingView | None:
        """A live pairing by the report's email, the pairing key, or 'manager/report' emails."""
        ref = ref.strip().lower()
        for view in self.views(LIVE_PAIRINGS):
            emails = {view.report.email.lower(), view.pairing.key.lower(),
                      f"{view.manager.email}/{view.report.email}".lower()}
            if ref in emails:
                return view
        return None

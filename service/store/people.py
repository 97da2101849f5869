"""People and pairings: who manages whom, and what their mailboxes say."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Column, MetaData, String, Table, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from service.domain.directory import UserValues
from service.domain.records import PairingRecord, PairingView, PersonRecord, PersonUpdate
from service.domain.status import LIVE_PAIRINGS, LIVE_SERIES, PairingStatus
from service.store import convert
from service.store.base import Repository, log
from service.store.models import PairingRow, PersonRow, SeriesRow

# The directory as last read (migration 0007). Plain tables: only this module touches them.
_tables = MetaData()
DIRECTORY_USERS = Table("directory_users", _tables, Column("id", String(100), primary_key=True),
                        Column("data", Text, nullable=False))
DIRECTORY_SYNC = Table("directory_sync", _tables, Column("source", String(40), primary_key=True),
                       Column("delta_link", Text, nullable=False))


class PeopleRepository(Repository):
    """People (directory or pairs file) and the pairings between them."""

    # -- people -----------------------------------------------------------------------------

    def upsert_people(self, people: Iterable[PersonUpdate], now: datetime) -> None:
        people = list(people)
        self._racing("people", lambda: self._upsert_people(people, now))

    def _upsert_people(self, people: list[PersonUpdate], now: datetime) -> None:
        with self.session() as s, s.begin():
            existing = {p.id: p for p in s.scalars(select(PersonRow))}
            for p in people:
                row = existing.get(p.id)
                if row is None:
                    s.add(PersonRow(id=p.id, email=p.email, name=p.name, hire_date=p.hire_date,
                                    manages_others=p.manages_others, active=True, seen_at=now))
                else:
                    row.email, row.name, row.hire_date = p.email, p.name, p.hire_date
                    row.manages_others, row.active, row.seen_at = p.manages_others, True, now

    def set_mailbox_info(
        self, person_id: str, *, time_zone: str | None, days: Iterable[int] | None,
        start: str | None, end: str | None,
    ) -> None:
        with self.session() as s, s.begin():
            row = s.get(PersonRow, person_id)
            if row is not None:
                row.time_zone, row.working_days = time_zone, convert.days_text(days)
                row.working_start, row.working_end = start, end

    def people(self, ids: Iterable[str]) -> dict[str, PersonRecord]:
        ids = list(ids)
        with self.session() as s:
            return {p.id: convert.person(p)
                    for p in s.scalars(select(PersonRow).where(PersonRow.id.in_(ids)))}

    def mark_absent(self, present_ids: set[str]) -> None:
        """People not in the source any more are inactive (history stays)."""
        with self.session() as s, s.begin():
            for row in s.scalars(select(PersonRow).where(PersonRow.active.is_(True))):
                if row.id not in present_ids:
                    row.active = False

    # -- the directory as last read ---------------------------------------------------------

    def directory(self, source: str) -> tuple[dict[str, UserValues], str | None]:
        """Every user known from the directory, and the delta link to read changes since."""
        with self.session() as s:
            link = s.scalar(select(DIRECTORY_SYNC.c.delta_link)
                            .where(DIRECTORY_SYNC.c.source == source))
            if not link:
                return {}, None
            users = {uid: json.loads(data)
                     for uid, data in s.execute(select(DIRECTORY_USERS.c.id,
                                                       DIRECTORY_USERS.c.data))}
        return users, link

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
            gone = [uid for uid in before if uid not in after]
            if gone:
                s.execute(delete(DIRECTORY_USERS).where(DIRECTORY_USERS.c.id.in_(gone)))
            for uid, values in after.items():
                if before.get(uid) == values:
                    continue
                data = json.dumps(values, sort_keys=True, default=str)
                if uid in before:
                    s.execute(update(DIRECTORY_USERS).where(DIRECTORY_USERS.c.id == uid)
                              .values(data=data))
                else:
                    s.execute(insert(DIRECTORY_USERS).values(id=uid, data=data))
            s.execute(delete(DIRECTORY_SYNC).where(DIRECTORY_SYNC.c.source == source))
            s.execute(insert(DIRECTORY_SYNC).values(source=source, delta_link=delta_link))

    # -- pairings ---------------------------------------------------------------------------

    def pairings(self, statuses: Sequence[str] | None = None) -> list[PairingRecord]:
        with self.session() as s:
            q = select(PairingRow).order_by(PairingRow.id)
            if statuses:
                q = q.where(PairingRow.status.in_(statuses))
            return [convert.pairing(r) for r in s.scalars(q)]

    def pairing(self, pairing_id: int) -> PairingRecord | None:
        with self.session() as s:
            row = s.get(PairingRow, pairing_id)
            return convert.pairing(row) if row is not None else None

    def pairing_by_key(self, key: str) -> PairingRecord | None:
        with self.session() as s:
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
            if row is None:
                row = PairingRow(key=key, manager_id=manager_id, report_id=report_id,
                                 created_at=now, note="", end_reason="")
                s.add(row)
            elif row.status == PairingStatus.SERIES_DELETED:
                return convert.pairing(row)  # only `pairs reset` brings it back
            row.status, row.cadence, row.minutes = PairingStatus.ACTIVE, cadence, minutes
            row.cadence_reason, row.source, row.updated_at = reason, source, now
            row.ended_at, row.end_reason = None, ""
            s.flush()
            return convert.pairing(row)

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
        """Allow a pairing whose series was deleted to be scheduled again."""
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is None or row.status != PairingStatus.SERIES_DELETED:
                return False
            row.status, row.note, row.updated_at = PairingStatus.ACTIVE, "", now
            return True

    # -- views ------------------------------------------------------------------------------

    def views(self, statuses: Sequence[str] | None = None) -> list[PairingView]:
        """Pairings with both people and the live series, ordered by manager then report."""
        with self.session() as s:
            q = select(PairingRow)
            if statuses:
                q = q.where(PairingRow.status.in_(statuses))
            pairings = [convert.pairing(p) for p in s.scalars(q)]
            people = {p.id: convert.person(p) for p in s.scalars(select(PersonRow))}
            live = {
                r.pairing_id: convert.series(r)
                for r in s.scalars(select(SeriesRow).where(SeriesRow.status.in_(LIVE_SERIES)))
            }
        out = [PairingView(p, people[p.manager_id], people[p.report_id], live.get(p.id))
               for p in pairings]
        out.sort(key=lambda v: (v.manager.name.lower(), v.report.name.lower()))
        return out

    def view_of_pairing(self, pairing_id: int) -> PairingView | None:
        with self.session() as s:
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

"""The one module that queries the database. Jobs call these methods; nothing else uses SQL."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.errors import StoreError
from service.store.db import session_factory
from service.store.models import (
    ActionRow,
    LockRow,
    NoteRow,
    OccurrenceRow,
    OutboxRow,
    PairingRow,
    PersonRow,
    QuestionUseRow,
    RebookRow,
    SeriesRow,
    TopicRow,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

LIVE = ("creating", "active")


def holder_is_gone(owner: str) -> bool:
    """Whether a lease owner ("host:pid", see jobs.context.worker_identity) is a process of
    this host that no longer runs. Another host's owner is never judged: its lease expires."""
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it runs, as another user
        return False
    return False


@dataclass(frozen=True)
class PersonUpdate:
    """What a sync learnt about a person."""

    id: str
    email: str
    name: str
    hire_date: date | None
    manages_others: bool


@dataclass(frozen=True)
class PairingView:
    """A pairing with both people and its live series, for display and scheduling."""

    pairing: PairingRow
    manager: PersonRow
    report: PersonRow
    series: SeriesRow | None


class Store:
    """Database access for the jobs and the CLI."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions: sessionmaker[Session] = session_factory(engine)

    def session(self) -> Session:
        return self._sessions()

    # -- people -----------------------------------------------------------------------------

    def _racing(self, what: str, write: Callable[[], T]) -> T:
        """Run an insert-or-update; if another replica inserted the same key between our
        read and our insert, run it again: the second time it finds the row and updates."""
        for attempt in range(3):
            try:
                return write()
            except IntegrityError:
                if attempt == 2:
                    raise
                log.info("store.race_retried", extra={"what": what})
        raise AssertionError("unreachable")

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
        self, person_id: str, *, time_zone: str | None, days: str | None,
        start: str | None, end: str | None,
    ) -> None:
        with self.session() as s, s.begin():
            row = s.get(PersonRow, person_id)
            if row is not None:
                row.time_zone, row.working_days = time_zone, days
                row.working_start, row.working_end = start, end

    def people(self, ids: Iterable[str]) -> dict[str, PersonRow]:
        ids = list(ids)
        with self.session() as s:
            return {p.id: p for p in s.scalars(select(PersonRow).where(PersonRow.id.in_(ids)))}

    def mark_absent(self, present_ids: set[str]) -> None:
        """People not in the source any more are inactive (history stays)."""
        with self.session() as s, s.begin():
            for row in s.scalars(select(PersonRow).where(PersonRow.active.is_(True))):
                if row.id not in present_ids:
                    row.active = False

    # -- pairings ---------------------------------------------------------------------------

    def pairings(self, statuses: Sequence[str] | None = None) -> list[PairingRow]:
        with self.session() as s:
            q = select(PairingRow).order_by(PairingRow.id)
            if statuses:
                q = q.where(PairingRow.status.in_(statuses))
            return list(s.scalars(q))

    def pairing(self, pairing_id: int) -> PairingRow | None:
        with self.session() as s:
            return s.get(PairingRow, pairing_id)

    def pairing_by_key(self, key: str) -> PairingRow | None:
        with self.session() as s:
            return s.scalar(select(PairingRow).where(PairingRow.key == key))

    def upsert_pairing(
        self, *, key: str, manager_id: str, report_id: str, cadence: str, minutes: int,
        reason: str, source: str, now: datetime,
    ) -> PairingRow:
        """Create the pairing, or reactivate it (same two people again) with the new cadence."""
        return self._racing("pairing", lambda: self._upsert_pairing(
            key=key, manager_id=manager_id, report_id=report_id, cadence=cadence,
            minutes=minutes, reason=reason, source=source, now=now))

    def _upsert_pairing(
        self, *, key: str, manager_id: str, report_id: str, cadence: str, minutes: int,
        reason: str, source: str, now: datetime,
    ) -> PairingRow:
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is None:
                row = PairingRow(key=key, manager_id=manager_id, report_id=report_id,
                                 created_at=now, note="", end_reason="")
                s.add(row)
            elif row.status == "series_deleted":
                return row  # the manager removed the series; only `pairs reset` brings it back
            row.status, row.cadence, row.minutes = "active", cadence, minutes
            row.cadence_reason, row.source, row.updated_at = reason, source, now
            row.ended_at, row.end_reason = None, ""
            return row

    def end_pairing(self, key: str, reason: str, now: datetime) -> None:
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is not None and row.status != "ended":
                row.status, row.end_reason, row.ended_at, row.updated_at = (
                    "ended", reason, now, now)

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

    def mark_series_deleted(self, series_id: int, now: datetime) -> None:
        """The manager deleted the series in Outlook: remember it, and don't recreate it."""
        with self.session() as s, s.begin():
            series = s.get(SeriesRow, series_id)
            if series is None:
                return
            series.status, series.ended_at, series.updated_at = "deleted", now, now
            pairing = s.get(PairingRow, series.pairing_id)
            if pairing is not None and pairing.status == "active":
                pairing.status = "series_deleted"
                pairing.note = (
                    f"The manager deleted the series on or before {now:%Y-%m-%d}. Run "
                    "`onetoone pairs reset` for this pair to schedule it again."
                )
                pairing.updated_at = now

    def reset_pairing(self, key: str, now: datetime) -> bool:
        """Allow a pairing whose series was deleted to be scheduled again."""
        with self.session() as s, s.begin():
            row = s.scalar(select(PairingRow).where(PairingRow.key == key))
            if row is None or row.status != "series_deleted":
                return False
            row.status, row.note, row.updated_at = "active", "", now
            return True

    def views(self, statuses: Sequence[str] | None = None) -> list[PairingView]:
        """Pairings with both people and the live series, ordered by manager then report."""
        with self.session() as s:
            q = select(PairingRow)
            if statuses:
                q = q.where(PairingRow.status.in_(statuses))
            pairings = list(s.scalars(q))
            people = {p.id: p for p in s.scalars(select(PersonRow))}
            live = {
                r.pairing_id: r
                for r in s.scalars(select(SeriesRow).where(SeriesRow.status.in_(LIVE)))
            }
        out = [PairingView(p, people[p.manager_id], people[p.report_id], live.get(p.id))
               for p in pairings]
        out.sort(key=lambda v: (v.manager.name.lower(), v.report.name.lower()))
        return out

    # -- claims -----------------------------------------------------------------------------

    def claim(self, pairing_id: int, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Take the pairing for ``ttl`` unless another live worker holds it (atomic on any
        DB). A lease left by a process of this host that is gone (killed mid-run) is taken
        over at once instead of hiding the pairing until it expires."""
        with self.session() as s, s.begin():
            result = s.execute(
                update(PairingRow)
                .where(
                    PairingRow.id == pairing_id,
                    or_(PairingRow.lease_until.is_(None), PairingRow.lease_until < now,
                        PairingRow.lease_owner == owner),
                )
                .values(lease_owner=owner, lease_until=now + ttl)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                return True
            holder = s.scalar(select(PairingRow.lease_owner).where(PairingRow.id == pairing_id))
            if holder is None or not holder_is_gone(holder):
                return False
            result = s.execute(
                update(PairingRow)
                .where(PairingRow.id == pairing_id, PairingRow.lease_owner == holder)
                .values(lease_owner=owner, lease_until=now + ttl)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                log.warning("store.lease_taken_over", extra={"pairing": pairing_id,
                                                             "from": holder})
                return True
            return False

    def release(self, pairing_id: int, owner: str) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(PairingRow)
                .where(PairingRow.id == pairing_id, PairingRow.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def take_lock(self, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
        """Hold the named lock until ``now + ttl`` unless another worker holds it unexpired
        (atomic on SQLite and PostgreSQL; the holder calls it again to renew)."""
        with self.session() as s, s.begin():
            taken = s.execute(
                update(LockRow)
                .where(LockRow.name == name,
                       or_(LockRow.until < now, LockRow.owner == owner))
                .values(owner=owner, until=now + ttl)
            ).rowcount  # type: ignore[attr-defined]
            if taken == 1:
                return True
        try:
            with self.session() as s, s.begin():
                s.add(LockRow(name=name, owner=owner, until=now + ttl))
            return True
        except IntegrityError:
            pass  # someone holds it (or took it between our two statements)
        with self.session() as s, s.begin():
            holder = s.scalar(select(LockRow.owner).where(LockRow.name == name))
            if holder is None or not holder_is_gone(holder):
                return False
            return s.execute(  # the holder was killed: take over at once
                update(LockRow).where(LockRow.name == name, LockRow.owner == holder)
                .values(owner=owner, until=now + ttl)
            ).rowcount == 1  # type: ignore[attr-defined]

    def drop_lock(self, name: str, owner: str) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(LockRow).where(LockRow.name == name, LockRow.owner == owner))

    # -- series -----------------------------------------------------------------------------

    def live_series_people(self) -> list[tuple[SeriesRow, str, str]]:
        """Every live series with its pairing's manager and report ids (who is in it)."""
        with self.session() as s:
            rows = s.execute(
                select(SeriesRow, PairingRow.manager_id, PairingRow.report_id)
                .join(PairingRow, PairingRow.id == SeriesRow.pairing_id)
                .where(SeriesRow.status.in_(LIVE))
                .order_by(SeriesRow.id))
            return [(row, manager, report) for row, manager, report in rows]

    def live_series(self, pairing_id: int) -> SeriesRow | None:
        with self.session() as s:
            return s.scalar(select(SeriesRow).where(
                SeriesRow.pairing_id == pairing_id, SeriesRow.status.in_(LIVE)))

    def all_live_series(self) -> list[SeriesRow]:
        with self.session() as s:
            return list(s.scalars(select(SeriesRow).where(SeriesRow.status.in_(LIVE))
                                  .order_by(SeriesRow.id)))

    def begin_series(self, row: SeriesRow) -> SeriesRow:
        """Record the intent to create a series before calling Graph (crash safety).

        If a live row already exists for the pairing it is returned instead: the unique
        partial index makes a second live series impossible even with two workers.
        """
        try:
            with self.session() as s, s.begin():
                s.add(row)
            return row
        except IntegrityError:
            existing = self.live_series(row.pairing_id)
            if existing is None:
                raise
            return existing

    def activate_series(
        self, series_id: int, *, event_id: str, ical_uid: str | None, now: datetime,
        **fields: object,
    ) -> None:
        with self.session() as s, s.begin():
            row = s.get(SeriesRow, series_id)
            assert row is not None
            row.event_id, row.ical_uid, row.status = event_id, ical_uid, "active"
            row.updated_at = row.checked_at = now
            for name, value in fields.items():
                setattr(row, name, value)

    def _update(self, model: type, row_id: int, now: datetime, fields: dict[str, object]
                ) -> None:
        """Set columns of one row (a row deleted meanwhile is left alone) and stamp it."""
        with self.session() as s, s.begin():
            row = s.get(model, row_id)
            if row is None:
                return
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = now

    def update_series(self, series_id: int, now: datetime, **fields: object) -> None:
        self._update(SeriesRow, series_id, now, fields)

    def end_series(self, series_id: int, now: datetime, range_end: date | None) -> None:
        fields: dict[str, object] = {"status": "ended", "ended_at": now}
        if range_end is not None:
            fields["range_end"] = range_end
        self.update_series(series_id, now, **fields)

    def series_to_verify(self, before: datetime) -> list[SeriesRow]:
        with self.session() as s:
            return list(s.scalars(select(SeriesRow).where(
                SeriesRow.status == "active",
                or_(SeriesRow.checked_at.is_(None), SeriesRow.checked_at < before),
            )))

    def manager_series(self, manager_mailbox: str) -> list[SeriesRow]:
        with self.session() as s:
            return list(s.scalars(select(SeriesRow).where(
                SeriesRow.mailbox == manager_mailbox, SeriesRow.status.in_(LIVE))))

    # -- occurrences ------------------------------------------------------------------------

    def upsert_occurrences(self, series_id: int, items: Sequence[dict], now: datetime) -> None:
        """Store occurrences by (series, original start); moved ones keep their new time."""
        self._racing("occurrences", lambda: self._upsert_occurrences(series_id, items, now))

    def _upsert_occurrences(self, series_id: int, items: Sequence[dict], now: datetime
                            ) -> None:
        with self.session() as s, s.begin():
            rows = {
                o.original_start: o
                for o in s.scalars(
                    select(OccurrenceRow).where(OccurrenceRow.series_id == series_id))
            }
            for item in items:
                row = rows.get(item["original_start"])
                if row is None:
                    s.add(OccurrenceRow(series_id=series_id, updated_at=now, **item))
                    continue
                for name, value in item.items():
                    setattr(row, name, value)
                row.updated_at = now

    def next_occurrences(self, after: datetime) -> dict[int, OccurrenceRow]:
        """The next occurrence per series after ``after``."""
        with self.session() as s:
            rows = s.scalars(select(OccurrenceRow).where(
                and_(OccurrenceRow.start >= after, OccurrenceRow.status != "cancelled"))
                .order_by(OccurrenceRow.start))
            out: dict[int, OccurrenceRow] = {}
            for row in rows:
                out.setdefault(row.series_id, row)
            return out


    def occurrences(self, series_id: int) -> list[OccurrenceRow]:
        with self.session() as s:
            return list(s.scalars(select(OccurrenceRow).where(
                OccurrenceRow.series_id == series_id).order_by(OccurrenceRow.original_start)))

    def occurrence(self, occurrence_id: int) -> OccurrenceRow | None:
        with self.session() as s:
            return s.get(OccurrenceRow, occurrence_id)

    def update_occurrence(self, occurrence_id: int, now: datetime, **fields: object) -> None:
        self._update(OccurrenceRow, occurrence_id, now, fields)

    def pairing_occurrences(self, pairing_id: int) -> list[OccurrenceRow]:
        """Every stored occurrence of a pairing (all its series), oldest first."""
        with self.session() as s:
            return list(s.scalars(
                select(OccurrenceRow).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                .where(SeriesRow.pairing_id == pairing_id).order_by(OccurrenceRow.start)))

    def occurrences_between(self, start: datetime, end: datetime) -> list[OccurrenceRow]:
        """Occurrences (of live series) starting in [start, end), by start."""
        with self.session() as s:
            return list(s.scalars(
                select(OccurrenceRow).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                .where(OccurrenceRow.start >= start, OccurrenceRow.start < end,
                       SeriesRow.status.in_(LIVE))
                .order_by(OccurrenceRow.start)))

    def occurrences_ended_between(self, start: datetime, end: datetime) -> list[OccurrenceRow]:
        with self.session() as s:
            return list(s.scalars(select(OccurrenceRow).where(
                OccurrenceRow.end >= start, OccurrenceRow.end < end)
                .order_by(OccurrenceRow.end)))

    def series(self, series_id: int) -> SeriesRow | None:
        with self.session() as s:
            return s.get(SeriesRow, series_id)

    def occurrence_context(self, occ: OccurrenceRow) -> tuple[SeriesRow, PairingView] | None:
        """The series an occurrence belongs to and its pairing, with both people."""
        series = self.series(occ.series_id)
        view = self.view_of_pairing(series.pairing_id) if series else None
        return (series, view) if series is not None and view is not None else None

    # -- rebooking missed 1-2-1s ------------------------------------------------------------

    def missed_without_offer(self, since: datetime, until: datetime) -> list[OccurrenceRow]:
        """Cancelled, declined or no-notes occurrences of live series starting in
        [since, until) that have no rebook row yet (replacements themselves excluded)."""
        with self.session() as s:
            offered = select(RebookRow.missed_occurrence_id)
            return list(s.scalars(
                select(OccurrenceRow).join(SeriesRow, SeriesRow.id == OccurrenceRow.series_id)
                .where(OccurrenceRow.status.in_(("cancelled", "declined", "held_no_notes")),
                       OccurrenceRow.rebook_of.is_(None),
                       OccurrenceRow.start >= since, OccurrenceRow.start < until,
                       SeriesRow.status.in_(LIVE), OccurrenceRow.id.not_in(offered))
                .order_by(OccurrenceRow.start)))

    def add_rebook(self, row: RebookRow, mail: OutboxRow | None) -> bool:
        """Record an offer and queue its mail in one transaction (a crash leaves both or
        neither); False when the missed occurrence already has one (another worker, or an
        earlier run)."""
        try:
            with self.session() as s, s.begin():
                s.add(row)
                if mail is not None:
                    s.add(mail)
            return True
        except IntegrityError:
            return False

    def rebooks(self, statuses: Sequence[str] | None = None) -> list[RebookRow]:
        with self.session() as s:
            q = select(RebookRow).order_by(RebookRow.id)
            if statuses:
                q = q.where(RebookRow.status.in_(statuses))
            return list(s.scalars(q))

    def rebook(self, rebook_id: int) -> RebookRow | None:
        with self.session() as s:
            return s.get(RebookRow, rebook_id)

    def rebook_by_token(self, token: str) -> RebookRow | None:
        with self.session() as s:
            return s.scalar(select(RebookRow).where(RebookRow.token == token))

    def rebook_of_missed(self, occurrence_id: int) -> RebookRow | None:
        with self.session() as s:
            return s.scalar(select(RebookRow).where(
                RebookRow.missed_occurrence_id == occurrence_id))

    def update_rebook(self, rebook_id: int, now: datetime, **fields: object) -> None:
        self._update(RebookRow, rebook_id, now, fields)

    def claim_rebook(self, rebook_id: int, index: int, txn: str, now: datetime) -> bool:
        """Take slot ``index`` of an open offer, atomically: the intent (pick and
        transactionId) is stored before the event is created; a second pick never is."""
        with self.session() as s, s.begin():
            result = s.execute(update(RebookRow).where(
                RebookRow.id == rebook_id, RebookRow.status == "offered",
                RebookRow.booked_index.is_(None))
                .values(booked_index=index, transaction_id=txn, updated_at=now))
            return result.rowcount == 1  # type: ignore[attr-defined]

    def reoffer_rebook(self, rebook_id: int, old_token: str, new_token: str, slots: str,
                       mail: OutboxRow, now: datetime) -> bool:
        """Replace an open offer's slots and token (the old links stop working) and queue the
        new offer, in one transaction; False when it was re-offered before (the mail's key
        exists) or the offer is no longer open."""
        try:
            with self.session() as s, s.begin():
                result = s.execute(update(RebookRow).where(
                    RebookRow.id == rebook_id, RebookRow.token == old_token,
                    RebookRow.status == "offered", RebookRow.booked_index.is_(None))
                    .values(token=new_token, slots=slots, updated_at=now))
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    return False
                s.add(mail)
            return True
        except IntegrityError:
            return False

    def replacement_of(self, missed_occurrence_id: int) -> OccurrenceRow | None:
        """The single meeting booked to replace a missed occurrence, if any."""
        with self.session() as s:
            return s.scalar(select(OccurrenceRow).where(
                OccurrenceRow.rebook_of == missed_occurrence_id))

    def record_rebooking(self, rebook_id: int, occurrence: OccurrenceRow, now: datetime
                         ) -> tuple[OccurrenceRow, bool]:
        """The booked meeting as an occurrence and the offer as booked, in one transaction.
        Returns the occurrence and whether it is new (a retry finds it and adds nothing)."""
        with self.session() as s, s.begin():
            rebook = s.get(RebookRow, rebook_id)
            assert rebook is not None
            existing = s.scalar(select(OccurrenceRow).where(
                OccurrenceRow.rebook_of == rebook.missed_occurrence_id))
            created = existing is None
            if existing is None:
                s.add(occurrence)
                existing = occurrence
            rebook.status, rebook.booked_event_id = "booked", existing.event_id
            rebook.booked_at = rebook.booked_at or now
            rebook.updated_at = now
            s.flush()
            return existing, created

    def view_of_pairing(self, pairing_id: int) -> PairingView | None:
        with self.session() as s:
            p = s.get(PairingRow, pairing_id)
            if p is None:
                return None
            live = s.scalar(select(SeriesRow).where(SeriesRow.pairing_id == p.id,
                                                    SeriesRow.status.in_(LIVE)))
            return PairingView(p, s.get(PersonRow, p.manager_id), s.get(PersonRow, p.report_id),
                               live)  # type: ignore[arg-type]

    def find_pairing(self, ref: str) -> PairingView | None:
        """A live pairing by the report's email, the pairing key, or 'manager/report' emails."""
        ref = ref.strip().lower()
        for view in self.views(["active", "series_deleted"]):
            emails = {view.report.email.lower(), view.pairing.key.lower(),
                      f"{view.manager.email}/{view.report.email}".lower()}
            if ref in emails:
                return view
        return None

    # -- topics -----------------------------------------------------------------------------

    def add_topic(self, pairing_id: int, text: str, by: str, raised_on: date,
                  now: datetime, *, message_id: str | None = None) -> int | None:
        """Add a topic; one from an email is added once (None when it already was)."""
        try:
            with self.session() as s, s.begin():
                if message_id is not None and s.scalar(select(TopicRow.id).where(
                        TopicRow.source_message_id == message_id)) is not None:
                    return None
                row = TopicRow(pairing_id=pairing_id, text=text, by=by, raised_on=raised_on,
                               status="open", carried=0, created_at=now,
                               source_message_id=message_id)
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            return None  # another worker added it from the same email

    def open_topics(self, pairing_id: int) -> list[TopicRow]:
        with self.session() as s:
            return list(s.scalars(select(TopicRow).where(
                TopicRow.pairing_id == pairing_id, TopicRow.status == "open")
                .order_by(TopicRow.id)))

    def topics_discussed(self, ids: Iterable[int], occurrence_id: int) -> None:
        with self.session() as s, s.begin():
            for row in s.scalars(select(TopicRow).where(TopicRow.id.in_(list(ids)))):
                row.status, row.discussed_occurrence_id = "discussed", occurrence_id

    # -- actions ----------------------------------------------------------------------------

    def open_actions(self, pairing_id: int) -> list[ActionRow]:
        with self.session() as s:
            return list(s.scalars(select(ActionRow).where(
                ActionRow.pairing_id == pairing_id, ActionRow.status == "open")
                .order_by(ActionRow.id)))

    def actions(self, pairing_id: int | None = None, *, open_only: bool = False
                ) -> list[ActionRow]:
        with self.session() as s:
            q = select(ActionRow).order_by(ActionRow.pairing_id, ActionRow.id)
            if pairing_id is not None:
                q = q.where(ActionRow.pairing_id == pairing_id)
            if open_only:
                q = q.where(ActionRow.status == "open")
            return list(s.scalars(q))

    def add_action(self, *, pairing_id: int, occurrence_id: int | None, owner: str, text: str,
                   due: date | None, raised_on: date, fingerprint: str, now: datetime) -> bool:
        """Record an action once: the same action from the same meeting is not added twice.
        One withdrawn earlier (its line edited away) whose line is back is open again."""
        with self.session() as s, s.begin():
            exists = s.scalar(select(ActionRow).where(
                ActionRow.raised_occurrence_id == occurrence_id,
                ActionRow.pairing_id == pairing_id, ActionRow.fingerprint == fingerprint))
            if exists is not None:
                if exists.status == "withdrawn":
                    exists.status, exists.closed_at = "open", None
                    return True
                return False
            s.add(ActionRow(pairing_id=pairing_id, raised_occurrence_id=occurrence_id,
                            owner=owner, text=text, due=due, status="open", carried=0,
                            raised_on=raised_on, fingerprint=fingerprint, created_at=now))
            return True

    def close_actions(self, ids: Iterable[int], occurrence_id: int | None, now: datetime,
                      pairing_id: int | None = None) -> int:
        with self.session() as s, s.begin():
            q = select(ActionRow).where(ActionRow.id.in_(list(ids)), ActionRow.status == "open")
            if pairing_id is not None:
                q = q.where(ActionRow.pairing_id == pairing_id)
            rows = list(s.scalars(q))
            for row in rows:
                row.status, row.closed_occurrence_id, row.closed_at = "done", occurrence_id, now
            return len(rows)

    def withdraw_actions(self, ids: Iterable[int], now: datetime) -> int:
        """Open actions whose line the manager removed from the meeting's notes: kept (with
        status 'withdrawn') but no longer carried into agendas."""
        with self.session() as s, s.begin():
            rows = list(s.scalars(select(ActionRow).where(ActionRow.id.in_(list(ids)),
                                                          ActionRow.status == "open")))
            for row in rows:
                row.status, row.closed_at = "withdrawn", now
            return len(rows)

    def carry(self, action_ids: Iterable[int], topic_ids: Iterable[int]) -> None:
        """Count one more agenda that carried these actions and topics forward."""
        with self.session() as s, s.begin():
            for a in s.scalars(select(ActionRow).where(ActionRow.id.in_(list(action_ids)))):
                a.carried += 1
            for t in s.scalars(select(TopicRow).where(TopicRow.id.in_(list(topic_ids)))):
                t.carried += 1

    # -- notes ------------------------------------------------------------------------------

    def replace_outlook_notes(self, pairing_id: int, occurrence_id: int, texts: Sequence[str],
                              now: datetime) -> None:
        """The notes read from an occurrence replace what was read from it before."""
        with self.session() as s, s.begin():
            for row in s.scalars(select(NoteRow).where(NoteRow.occurrence_id == occurrence_id,
                                                       NoteRow.source == "outlook")):
                s.delete(row)
            for text in texts:
                s.add(NoteRow(pairing_id=pairing_id, occurrence_id=occurrence_id, text=text,
                              private=False, source="outlook", created_at=now))

    def add_note(self, pairing_id: int, occurrence_id: int | None, text: str, *,
                 private: bool, now: datetime) -> int:
        with self.session() as s, s.begin():
            row = NoteRow(pairing_id=pairing_id, occurrence_id=occurrence_id, text=text,
                          private=private, source="cli", created_at=now)
            s.add(row)
            s.flush()
            return row.id

    def notes(self, occurrence_id: int, *, include_private: bool = False) -> list[NoteRow]:
        with self.session() as s:
            q = select(NoteRow).where(NoteRow.occurrence_id == occurrence_id)
            if not include_private:
                q = q.where(NoteRow.private.is_(False))
            return list(s.scalars(q.order_by(NoteRow.id)))

    # -- questions --------------------------------------------------------------------------

    def used_questions(self, pairing_id: int) -> list[str]:
        with self.session() as s:
            return list(s.scalars(select(QuestionUseRow.question_id).where(
                QuestionUseRow.pairing_id == pairing_id).order_by(QuestionUseRow.id)))

    def record_question(self, pairing_id: int, occurrence_id: int, question_id: str,
                        now: datetime) -> None:
        with self.session() as s, s.begin():
            exists = s.scalar(select(QuestionUseRow.id).where(
                QuestionUseRow.occurrence_id == occurrence_id))
            if exists is None:
                s.add(QuestionUseRow(pairing_id=pairing_id, occurrence_id=occurrence_id,
                                     question_id=question_id, used_at=now))


    # -- outbox -----------------------------------------------------------------------------

    def enqueue(self, row: OutboxRow) -> bool:
        """Add a mail unless one with the same key exists (then nothing happens)."""
        try:
            with self.session() as s, s.begin():
                if s.scalar(select(OutboxRow.id).where(OutboxRow.key == row.key)) is not None:
                    return False
                s.add(row)
            return True
        except IntegrityError:
            return False  # another worker enqueued it first

    def outbox(self, statuses: Sequence[str] | None = None) -> list[OutboxRow]:
        with self.session() as s:
            q = select(OutboxRow).order_by(OutboxRow.id)
            if statuses:
                q = q.where(OutboxRow.status.in_(statuses))
            return list(s.scalars(q))

    def drop_suppressed_mail(self, key: str) -> None:
        """Forget a mail that was held back on purpose (never sent), so it can be queued."""
        with self.session() as s, s.begin():
            s.execute(delete(OutboxRow).where(OutboxRow.key == key,
                                              OutboxRow.status == "suppressed"))

    def has_mail(self, key: str) -> bool:
        with self.session() as s:
            return s.scalar(select(OutboxRow.id).where(OutboxRow.key == key)) is not None

    def claim_mail(self, mail_id: int, now: datetime) -> bool:
        """pending -> sending, atomically: only one worker ever sends a given row."""
        with self.session() as s, s.begin():
            result = s.execute(update(OutboxRow).where(
                OutboxRow.id == mail_id, OutboxRow.status == "pending")
                .values(status="sending", claimed_at=now, attempts=OutboxRow.attempts + 1))
            return result.rowcount == 1  # type: ignore[attr-defined]

    def finish_mail(self, mail_id: int, status: str, now: datetime, error: str = "") -> None:
        with self.session() as s, s.begin():
            row = s.get(OutboxRow, mail_id)
            if row is None:
                return
            row.status, row.last_error = status, error
            if status == "sent":
                row.sent_at = now

    def settle_by_hand(self, mail_id: int, status: str, now: datetime, note: str
                       ) -> OutboxRow:
        """An operator's decision on a failed or unconfirmed mail: send it again ('pending')
        or record that it went ('sent'). Only those two states are open to it, atomically, so
        a mail a worker is sending or has sent can never be queued twice."""
        if status not in ("pending", "sent"):
            raise ValueError(status)
        with self.session() as s, s.begin():
            row = s.get(OutboxRow, mail_id)
            if row is None:
                raise StoreError(f"There is no mail #{mail_id}; `onetoone mail` lists them.")
            if row.status not in ("failed", "unconfirmed"):
                raise StoreError(f"Mail #{mail_id} is {row.status}; only failed or unconfirmed "
                                 f"mail can be settled by hand.")
            if row.body_html == "[erased]":
                raise StoreError(f"Mail #{mail_id} was erased (`onetoone forget`); it can't "
                                 f"be sent.")
            row.status, row.last_error = status, note
            if status == "sent":
                row.sent_at = now
            else:
                row.claimed_at = None
        return row

    def sent_since(self, mailbox: str, since: datetime) -> int:
        with self.session() as s:
            return len(list(s.scalars(select(OutboxRow.id).where(
                OutboxRow.mailbox == mailbox, OutboxRow.claimed_at >= since))))

    # -- privacy ----------------------------------------------------------------------------

    def forget_person(self, person_id: str, now: datetime) -> dict[str, int]:
        """Erase what was written about a person's 1-2-1s (notes, topics, actions, unsent
        mail), keeping the rows so counts and history remain."""
        erased = {"notes": 0, "topics": 0, "actions": 0, "mail": 0}
        with self.session() as s, s.begin():
            ids = list(s.scalars(select(PairingRow.id).where(or_(
                PairingRow.manager_id == person_id, PairingRow.report_id == person_id))))
            for row in s.scalars(select(NoteRow).where(NoteRow.pairing_id.in_(ids))):
                if row.text != "[erased]":
                    row.text, erased["notes"] = "[erased]", erased["notes"] + 1
            for row in s.scalars(select(TopicRow).where(TopicRow.pairing_id.in_(ids))):
                if row.text != "[erased]":
                    row.text, row.status = "[erased]", "discussed"
                    erased["topics"] += 1
            for row in s.scalars(select(ActionRow).where(ActionRow.pairing_id.in_(ids))):
                if row.text != "[erased]":
                    row.text, row.owner, row.status = "[erased]", "[erased]", "done"
                    erased["actions"] += 1
            for row in s.scalars(select(OutboxRow).where(OutboxRow.pairing_id.in_(ids))):
                if row.body_html != "[erased]":
                    row.body_html, row.subject = "[erased]", "[erased]"
                    # Never send an erased mail: not yet sent -> failed; outcome unknown ->
                    # unconfirmed (it is never re-sent from there).
                    if row.status == "pending":
                        row.status = "failed"
                        row.last_error = f"erased on {now:%Y-%m-%d} before sending"
                    elif row.status == "sending":
                        row.status = "unconfirmed"
                        row.last_error = f"erased on {now:%Y-%m-%d} while its outcome was unknown"
                    erased["mail"] += 1
        self.flush_to_disk()
        return erased

    def flush_to_disk(self) -> None:
        """Make erased text leave the disk now: on SQLite, copy the write-ahead log into
        the database (where secure_delete has overwritten it) and truncate the log; on
        PostgreSQL, vacuum the tables that held it so the old row versions go."""
        if self.engine.url.get_backend_name() == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("notes", "topics", "actions", "outbox"):
                conn.exec_driver_sql(f"VACUUM {table}")

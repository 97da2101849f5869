"""`forget` and retention erase a mail's words everywhere the outbox keeps them: its error
text too. An unconfirmed mail's error quotes its subject (for the operator to look it up in
Sent Items), and a reminder held back for a long absence says who was away: left behind,
`onetoone mail --all` would still show "1-2-1s during Rob Report's absence (2 Mar – 20 Mar)"
after Rob was forgotten. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from service.domain.records import PersonUpdate, SeriesRecord
from service.store.db import make_engine, upgrade
from service.store.models import OccurrenceRow, OutboxRow
from service.store.repo import Store

NOW = datetime(2027, 6, 1, 9, tzinfo=UTC)
SUBJECT = "1-2-1s during Rob Report's absence (2 Mar – 20 Mar)"


def _store_with_mail(db_url: str) -> Store:
    engine = make_engine(db_url)
    upgrade(engine)
    store = Store(engine)
    store.upsert_people([PersonUpdate("m", "m@x.test", "Mia Manager", None, True),
                         PersonUpdate("r", "r@x.test", "Rob Report", None, False)], NOW)
    p = store.upsert_pairing(key="p", manager_id="m", report_id="r", cadence="monthly",
                             minutes=30, reason="", source="directory", now=NOW)
    series = store.begin_series(SeriesRecord(
        pairing_id=p.id, mailbox="m", transaction_id="t", cadence="monthly", minutes=30,
        weekday=1, start_time="10:00", time_zone="Europe/London",
        first_date=date(2027, 1, 1), range_end=date(2027, 12, 1), created_at=NOW,
        updated_at=NOW))
    start = datetime(2027, 3, 9, 10, tzinfo=UTC)
    with store.session() as s, s.begin():
        occ = OccurrenceRow(series_id=series.id, event_id="e", original_start=start,
                            start=start, end=start + timedelta(minutes=30), status="held",
                            updated_at=NOW)
        s.add(occ)
        s.flush()
        # As jobs/outbox.py settles a send whose outcome is unknown, Sent Items unreadable.
        s.add(OutboxRow(key="absence:1", kind="absence_long", pairing_id=p.id,
                        occurrence_id=occ.id, mailbox="m", recipients="[]", subject=SUBJECT,
                        body_html="<p>Rob is away</p>", tag="t1", status="unconfirmed",
                        created_at=start - timedelta(days=9),
                        last_error=f"outcome unknown; Sent Items not readable (403). Look "
                                   f"in m@x.test's Sent Items for \"{SUBJECT}\": if it is "
                                   f"there, run `onetoone mail mark-sent 1`."))
        # As jobs/absences.py holds back the reminder of a meeting skipped for the absence.
        s.add(OutboxRow(key=f"{occ.id}:reminder", kind="reminder", pairing_id=p.id,
                        occurrence_id=occ.id, mailbox="m", recipients="[]",
                        subject="(not sent)", body_html="", tag="t2", status="suppressed",
                        created_at=start - timedelta(days=9),
                        last_error="not sent: Rob Report was on a long absence"))
    return store


def _errors(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(OutboxRow.last_error).order_by(OutboxRow.id)))


def test_forget_erases_what_mail_errors_quote(db_url: str) -> None:
    store = _store_with_mail(db_url)
    store.forget_person("r", NOW)
    errors = _errors(store)
    assert len(errors) == 2
    assert not [e for e in errors if "absence" in e or "Rob" in e], errors


def test_retention_erases_what_mail_errors_quote(db_url: str) -> None:
    store = _store_with_mail(db_url)
    store.erase_older_than(datetime(2027, 4, 1, tzinfo=UTC), NOW)
    errors = _errors(store)
    assert len(errors) == 2
    assert not [e for e in errors if "absence" in e or "Rob" in e], errors

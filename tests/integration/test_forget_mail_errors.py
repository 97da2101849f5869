"""`forget` and retention erase a mail's words everywhere the outbox keeps them: its error
text too. An unconfirmed mail's error quotes its subject (for the operator to look it up in
Sent Items), and a reminder held back for a long absence says who was away: left behind,
`onetoone mail --all` would still show "1-2-1s during Rob Report's absence (2 Mar – 20 Mar)"
after Rob was forgotten. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from service.store.models import OutboxRow
from service.store.repo import Store
from tests.integration.test_note_versions import NOW, meeting

SUBJECT = "1-2-1s during Rob Report's absence (2 Mar – 20 Mar)"


def _store_with_mail(db_url: str) -> Store:
    start = datetime(2027, 3, 9, 10, tzinfo=UTC)
    made = meeting(db_url, [start])
    store, p_id, occ_id = made.store, made.pairing_id, made.occurrences[0]
    with store.session() as s, s.begin():
        # As jobs/outbox.py settles a send whose outcome is unknown, Sent Items unreadable.
        s.add(OutboxRow(key="absence:1", kind="absence_long", pairing_id=p_id,
                        occurrence_id=occ_id, mailbox="m", recipients="[]", subject=SUBJECT,
                        body_html="<p>Rob is away</p>", tag="t1", status="unconfirmed",
                        created_at=start - timedelta(days=9),
                        last_error=f"outcome unknown; Sent Items not readable (403). Look "
                                   f"in m@x.test's Sent Items for \"{SUBJECT}\": if it is "
                                   f"there, run `onetoone mail mark-sent 1`."))
        # As jobs/absences.py holds back the reminder of a meeting skipped for the absence.
        s.add(OutboxRow(key=f"{occ_id}:reminder", kind="reminder", pairing_id=p_id,
                        occurrence_id=occ_id, mailbox="m", recipients="[]",
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

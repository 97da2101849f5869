"""Privacy: erasing what was written about a person, and making it leave the disk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from service.domain.status import ActionStatus, OutboxStatus, TopicStatus
from service.store.base import Repository
from service.store.models import ActionRow, NoteRow, OutboxRow, PairingRow, TopicRow


class PrivacyRepository(Repository):
    """`onetoone forget`: the rows stay (counts, history), their words go."""

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
            for topic in s.scalars(select(TopicRow).where(TopicRow.pairing_id.in_(ids))):
                if topic.text != "[erased]":
                    topic.text, topic.status = "[erased]", TopicStatus.DISCUSSED
                    erased["topics"] += 1
            for action in s.scalars(select(ActionRow).where(ActionRow.pairing_id.in_(ids))):
                if action.text != "[erased]":
                    action.text, action.owner = "[erased]", "[erased]"
                    action.status = ActionStatus.DONE
                    erased["actions"] += 1
            for mail in s.scalars(select(OutboxRow).where(OutboxRow.pairing_id.in_(ids))):
                if mail.body_html != "[erased]":
                    mail.body_html, mail.subject = "[erased]", "[erased]"
                    # Never send an erased mail: not yet sent -> failed; outcome unknown ->
                    # unconfirmed (it is never re-sent from there).
                    if mail.status == OutboxStatus.PENDING:
                        mail.status = OutboxStatus.FAILED
                        mail.last_error = f"erased on {now:%Y-%m-%d} before sending"
                    elif mail.status == OutboxStatus.SENDING:
                        mail.status = OutboxStatus.UNCONFIRMED
                        mail.last_error = f"erased on {now:%Y-%m-%d} while its outcome was unknown"
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

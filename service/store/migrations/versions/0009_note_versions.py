"""note versions: every reading of a meeting's notes that differed from the one before

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:00:00

The notes table holds only a meeting's latest reading (agendas and mail use it); each
reading that differed is now kept in note_versions, so an edit made after the meeting no
longer silently replaces what was first read. The reading stored so far becomes each
meeting's first version: its notes, and the actions read from its Actions agreed area.
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

import service.store.models
from service.store.models import UtcDateTime
from service.store.notes import version_fingerprint

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ERASED = "[erased]"

notes_t = sa.table(
    'notes', sa.column('id', sa.Integer), sa.column('pairing_id', sa.Integer),
    sa.column('occurrence_id', sa.Integer), sa.column('text', sa.Text),
    sa.column('private', sa.Boolean), sa.column('source', sa.String),
    sa.column('created_at', UtcDateTime(timezone=True)))
actions_t = sa.table(
    'actions', sa.column('id', sa.Integer), sa.column('pairing_id', sa.Integer),
    sa.column('owner', sa.String), sa.column('text', sa.Text), sa.column('due', sa.Date),
    sa.column('status', sa.String), sa.column('raised_occurrence_id', sa.Integer),
    sa.column('closed_occurrence_id', sa.Integer), sa.column('fingerprint', sa.String),
    sa.column('created_at', UtcDateTime(timezone=True)))


def upgrade() -> None:
    op.create_table(
        'note_versions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('pairing_id', sa.Integer(), nullable=False),
        sa.Column('occurrence_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('private', sa.Boolean(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('actions', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('read_at', service.store.models.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['occurrence_id'], ['occurrences.id'], ),
        sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('occurrence_id', 'private', 'number'),
    )
    with op.batch_alter_table('note_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_versions_pairing_id'), ['pairing_id'],
                              unique=False)
    rows = _first_versions(op.get_bind())
    if rows:
        versions = sa.table(
            'note_versions', sa.column('pairing_id', sa.Integer),
            sa.column('occurrence_id', sa.Integer), sa.column('number', sa.Integer),
            sa.column('private', sa.Boolean), sa.column('notes', sa.Text),
            sa.column('actions', sa.Text), sa.column('fingerprint', sa.String),
            sa.column('read_at', UtcDateTime(timezone=True)))
        op.bulk_insert(versions, rows)


def _first_versions(conn: sa.Connection) -> list[dict[str, Any]]:
    """Each meeting's stored reading as its version 1 (the fingerprint as the store makes
    it, so re-reading the same text after the upgrade adds nothing)."""
    streams: dict[tuple[int, bool], dict[str, Any]] = {}

    def stream(occurrence_id: int, private: bool, pairing_id: int) -> dict[str, Any]:
        return streams.setdefault((occurrence_id, private), {
            "pairing_id": pairing_id, "notes": [], "actions": [], "notes_at": [],
            "actions_at": [], "erased": False})

    for n in conn.execute(sa.select(notes_t).where(
            notes_t.c.source == 'outlook', notes_t.c.occurrence_id.is_not(None))
            .order_by(notes_t.c.id)):
        s = stream(n.occurrence_id, bool(n.private), n.pairing_id)
        s["notes"].append(n.text)
        s["erased"] |= n.text == ERASED
        s["notes_at"].append(n.created_at)
    # Actions read from the meeting's own Actions agreed area (CLI ones carry a source in
    # their fingerprint; withdrawn ones were edited away before this reading).
    for a in conn.execute(sa.select(actions_t).where(
            actions_t.c.raised_occurrence_id.is_not(None), actions_t.c.status != 'withdrawn')
            .order_by(actions_t.c.id)):
        if ":" in a.fingerprint:
            continue
        s = stream(a.raised_occurrence_id, False, a.pairing_id)
        s["actions"].append({"owner": a.owner, "text": a.text,
                             "due": a.due.isoformat() if a.due else None,
                             "done": a.status == 'done'
                             and a.closed_occurrence_id == a.raised_occurrence_id})
        s["erased"] |= a.text == ERASED
        s["actions_at"].append(a.created_at)
    out = []
    for (occurrence_id, private), s in streams.items():
        if s["erased"]:
            words = {"notes": ERASED, "actions": ERASED, "fingerprint": ERASED}
        else:
            words = {"notes": json.dumps(s["notes"]), "actions": json.dumps(s["actions"]),
                     "fingerprint": version_fingerprint(s["notes"], s["actions"])}
        # Notes are rewritten at each reading: theirs is the time of the reading kept.
        read_at = max(s["notes_at"] or s["actions_at"])
        out.append({"pairing_id": s["pairing_id"], "occurrence_id": occurrence_id,
                    "number": 1, "private": private, "read_at": read_at, **words})
    return out


def downgrade() -> None:
    with op.batch_alter_table('note_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_versions_pairing_id'))
    op.drop_table('note_versions')

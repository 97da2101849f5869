"""outbox recipients as JSON

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 10:00:00

`outbox.recipients` and `outbox.cc` held "Name <address>" joined by commas, which reads back
wrong for a display name holding a comma ("Doe, Jane <jane@x.com>" became two recipients).
They now hold a JSON list of {"name", "address"}. A data migration of the same columns (no
table rebuild: SQLite cannot rebuild `outbox` while foreign keys point around it).
"""

import json
import re

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OUTBOX = sa.table('outbox', sa.column('id', sa.Integer()), sa.column('recipients', sa.Text()),
                  sa.column('cc', sa.Text()))
# One "Name <address>" entry and the comma after it. Every old entry ended with ">", so a
# comma inside a name (before its "<") is part of the name, not a separator.
_ENTRY = re.compile(r'\s*(?P<name>[^<>]*?)\s*<(?P<address>[^<>]*)>\s*(?:,|$)')


def parse_legacy(text: str) -> list[dict[str, str]]:
    """The old comma-joined form as a list of {name, address}, as well as it parses: bare
    addresses (no angle brackets) are kept with an empty name."""
    out: list[dict[str, str]] = []
    text, pos = (text or '').strip(), 0
    while pos < len(text):
        match = _ENTRY.match(text, pos)
        if match is None:
            out += [{'name': '', 'address': part.strip()}
                    for part in text[pos:].split(',') if part.strip()]
            break
        out.append({'name': match['name'].strip().strip('"'),
                    'address': match['address'].strip()})
        pos = match.end()
    return out


def legacy_text(value: str) -> str:
    """A JSON list back in the old comma-joined form (for a downgrade)."""
    people = json.loads(value or '[]')
    return ','.join(f"{p['name']} <{p['address']}>" if p['name'] else p['address']
                    for p in people)


def _rewrite(convert) -> None:  # type: ignore[no-untyped-def]
    conn = op.get_bind()
    rows = conn.execute(sa.select(OUTBOX.c.id, OUTBOX.c.recipients, OUTBOX.c.cc)).all()
    for row_id, recipients, cc in rows:
        conn.execute(OUTBOX.update().where(OUTBOX.c.id == row_id)
                     .values(recipients=convert(recipients), cc=convert(cc)))


def upgrade() -> None:
    _rewrite(lambda text: json.dumps(parse_legacy(text), ensure_ascii=False))


def downgrade() -> None:
    _rewrite(legacy_text)

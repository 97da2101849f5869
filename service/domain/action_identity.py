"""The identity of an agreed action, as the notes read back and the command line record it."""

from __future__ import annotations

import hashlib
from datetime import date

from service.domain.body import normalise_block_text


def action_fingerprint(owner: str, text: str, due: date | None, *,
                       source: str = "outlook") -> str:
    """Identity of an agreed action: who, what and by when, in canonical form.

    Not the raw line: a bullet, a tick box ticked the next day, or Outlook's spacing changes
    must leave the same action, not make a second one. Actions added with the CLI carry their
    source, so re-reading the Outlook notes never takes them for lines a manager removed.
    """
    canonical = "\x1f".join(normalise_block_text(part).casefold()
                             for part in (owner, text, due.isoformat() if due else ""))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:32]
    return digest if source == "outlook" else f"{source}:{digest}"

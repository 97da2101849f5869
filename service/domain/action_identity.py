"""The identity of an agreed action, as the notes read back and the command line record it."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
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


def recorded_as(owner: str, text: str, due: date | None,
                formerly: Sequence[tuple[str, str]], recorded: Collection[str]
                ) -> tuple[str, str, str]:
    """The identity, owner and words an action read from a meeting's notes is recorded
    with: as read now, unless the meeting holds it (``recorded``: the identities of the
    actions agreed at it) only as the release before read the same line (``formerly``).
    Then as it holds it: a meeting read back before an upgrade and again after neither
    withdraws the action nor adds it a second time under its new reading."""
    identity = action_fingerprint(owner, text, due)
    if identity not in recorded:
        for former_owner, former_text in formerly:
            earlier = action_fingerprint(former_owner, former_text, due)
            if earlier in recorded:
                return earlier, former_owner, former_text
    return identity, owner, text

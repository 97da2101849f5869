"""Mail to the service mailbox, the pure part: which plus-address names which pair (and for
what), and the topic a mail carries.

Exchange Online delivers ``name+anything@domain`` to ``name@domain``, so one service mailbox
serves every pair: the part after the ``+`` says what the mail is for.

- ``name+<token>@``: topics for the pair's next 1-2-1 (printed in the agenda; the prep mail's
  Reply-To);
- ``name+c.<meeting>.<token>@``: the report's comments on one meeting's notes (the summary's
  Reply-To);
- ``name+p.<token>@``: the manager's private notes (kept in the database, never mailed);
- ``name+book.<token>.<n>@``: a pick from a rebook offer (service/jobs/rebook.py).

Tokens are short hashes of the pairing key (and the meeting), so an address can't be made up
for a pair from a name; the sender must still be one of the pair (the report, for comments;
the manager, for private notes).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SUBJECT_TOKEN = re.compile(r"\[1-2-1 ([0-9a-f]{10})\]", re.I)
TOPICS, COMMENTS, PRIVATE = "topics", "comments", "private"
_TAG = re.compile(r"^(?:(?P<topics>[0-9a-f]{10})|c\.(?P<occ>\d{1,18})\.(?P<ctoken>[0-9a-f]{10})"
                  r"|p\.(?P<ptoken>[0-9a-f]{10}))$", re.I)


def _hash(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:10]


def topic_token(pairing_key: str) -> str:
    """A short, stable token naming a pair in an address. It routes a mail, it proves
    nothing: the pairing key is made of directory ids anyone in the tenant can read. Who
    may write is the sender's to prove (one of the pair, authenticated by Exchange: see
    jobs/inbox.py)."""
    return _hash("topics", pairing_key)


def comments_token(pairing_key: str, occurrence_id: int) -> str:
    """The token of one meeting's comments address."""
    return _hash("comments", pairing_key, occurrence_id)


def private_token(pairing_key: str) -> str:
    """The token of a pair's private-notes address (only the manager is accepted)."""
    return _hash("private", pairing_key)


def _plus(mailbox: str, tag: str) -> str:
    local, _, domain = mailbox.partition("@")
    return f"{local}+{tag}@{domain}"


def topics_address(mailbox: str, pairing_key: str) -> str:
    """name+token@domain: mail to it adds topics to the pair's next agenda."""
    return _plus(mailbox, topic_token(pairing_key))


def comments_address(mailbox: str, pairing_key: str, occurrence_id: int) -> str:
    """name+c.<meeting>.<token>@domain: the report's comments on that meeting's notes."""
    return _plus(mailbox, f"c.{occurrence_id}.{comments_token(pairing_key, occurrence_id)}")


def private_address(mailbox: str, pairing_key: str) -> str:
    """name+p.<token>@domain: the manager's private notes on the pair's latest meeting."""
    return _plus(mailbox, f"p.{private_token(pairing_key)}")


@dataclass(frozen=True)
class PlusTag:
    """What a plus-address of the service mailbox asks for."""

    kind: str  # TOPICS | COMMENTS | PRIVATE
    token: str
    occurrence_id: int | None = None


def plus_tag(address: str, mailbox: str) -> PlusTag | None:
    """The tag of ``address`` when it is one of ``mailbox``'s plus-addresses we hand out."""
    local, _, domain = mailbox.lower().partition("@")
    who, _, where = address.lower().partition("@")
    base, plus, tag = who.partition("+")
    if not plus or base != local or where != domain:
        return None
    match = _TAG.match(tag)
    if match is None:
        return None
    if match.group("topics"):
        return PlusTag(TOPICS, match.group("topics"))
    if match.group("ctoken"):
        return PlusTag(COMMENTS, match.group("ctoken"), int(match.group("occ")))
    return PlusTag(PRIVATE, match.group("ptoken"))


def addressed_tag(addresses: tuple[str, ...], mailbox: str, subject: str) -> PlusTag | None:
    """The first of our plus-addresses a mail was sent to, a private-notes one before any
    other; else a topics token in its subject (``[1-2-1 <token>]``, for clients that drop
    the plus part). A mail to both a pair's private and topics addresses is read as private:
    read as topics, words meant to stay in the database would go into the report's agenda."""
    tags = [tag for address in addresses if (tag := plus_tag(address, mailbox)) is not None]
    if tags:
        return next((tag for tag in tags if tag.kind == PRIVATE), tags[0])
    match = SUBJECT_TOKEN.search(subject or "")
    return PlusTag(TOPICS, match.group(1).lower()) if match else None

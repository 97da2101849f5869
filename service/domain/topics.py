"""Topics by email, the pure part: which address names a pair, and the topic a mail carries."""

from __future__ import annotations

import hashlib
import re

SUBJECT_TOKEN = re.compile(r"\[1-2-1 ([0-9a-f]{10})\]", re.I)
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw)\s*:\s*)+", re.I)
MAX_TOPIC = 500


def topic_token(pairing_key: str) -> str:
    """A short, stable, non-guessable-enough token naming a pair in an address."""
    return hashlib.sha256(f"topics|{pairing_key}".encode()).hexdigest()[:10]


def topics_address(mailbox: str, pairing_key: str) -> str:
    """name+token@domain (Exchange Online delivers plus-addresses to the mailbox)."""
    local, _, domain = mailbox.partition("@")
    return f"{local}+{topic_token(pairing_key)}@{domain}"


def topic_text(subject: str, body: str) -> str:
    """The topic from a mail: its subject (without Re:/our token), else its first lines."""
    subject = SUBJECT_TOKEN.sub("", _REPLY_PREFIX.sub("", subject or "")).strip()
    if subject.lower() in ("", "topic for our 1-2-1", "topic", "1-2-1"):
        subject = ""
    lines = []
    for line in (body or "").replace("\r\n", "\n").split("\n"):
        if line.strip().startswith((">", "From:", "Sent:", "-----", "____")):
            break  # a quoted reply or signature separator: stop
        if line.strip():
            lines.append(line.strip())
        if len(" ".join(lines)) > MAX_TOPIC:
            break
    text = subject if subject else " ".join(lines[:3])
    if subject and lines:
        text = f"{subject}: {' '.join(lines[:2])}"
    return text[:MAX_TOPIC].strip()

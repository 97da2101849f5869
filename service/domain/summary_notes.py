"""The notes as the report's summary shows them: a comment typed beside a carried action or
topic says what it is about.

The notes parser keeps such a comment with the marker it was typed after ("(#17) blocked by
finance", "(topic #3) agreed: not before Q3"), which the agenda's Last time reads. The
summary never shows those numbers (its actions are listed by owner and words), so there the
marker is written out as the action or topic it stands for. The note as stored is left as
recorded.

Pure: strings in, strings out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from service.domain.recall import clip

# The marker the notes parser puts in front of a comment (notes.py): only at the start.
_LEADING = re.compile(r"^\(\s*(topic\s*)?#\s*(\d{1,12})\s*\)\s*(?P<rest>.*)$", re.I | re.S)
SUBJECT_CLIP = 80  # the action's or topic's words quoted: enough to know it by


@dataclass(frozen=True)
class Subject:
    """What a comment may be about: an action (``owner`` set) or a topic (``by`` set)."""

    text: str
    owner: str = ""
    by: str = ""  # a topic's: "report" or "manager"


def spelled_out(note: str, actions: Mapping[int, Subject], topics: Mapping[int, Subject],
                *, names: tuple[str, str] | None = None) -> str:
    """``note`` with a leading "(#17)"/"(topic #3)" written out in words: 'On “send the
    budget” (Mia Manager): blocked by finance', 'On your topic “Promotion”: agreed' (the
    summary, the manager's mail to the report), or, given the pair's ``names`` (manager,
    report) for a record with no one speaking, 'On Rob Report's topic “Promotion”'. A
    marker for no action or topic of the pair's (erased since) is left as it is."""
    m = _LEADING.match(note)
    if m is None:
        return note
    is_topic, ident, rest = bool(m.group(1)), int(m.group(2)), m.group("rest").strip()
    subject = (topics if is_topic else actions).get(ident)
    if subject is None:
        return note
    words = clip(subject.text, SUBJECT_CLIP)
    if is_topic:
        # The summary is the manager's mail to the report; a record names them.
        whose = ({"report": "your topic", "manager": "my topic"} if names is None else
                 {"manager": f"{names[0]}'s topic", "report": f"{names[1]}'s topic"}
                 ).get(subject.by, "the topic")
        about = f"On {whose} “{words}”"
    else:
        about = f"On “{words}” ({clip(subject.owner, SUBJECT_CLIP)})"
    return f"{about}: {rest}" if rest else about

"""Which of the pair an action's owner names, as the manager wrote it.

A person is known by their full name, the first name the agenda calls them, their given
name, a pronoun ("me" is the manager, "you" the report), or an Outlook @mention of their
address. Anything else is not one of the pair (the action line's grammar may still take
it for someone outside the pair: ``action_line``).

Pure, deterministic, never raises.
"""

from __future__ import annotations

from service.domain.body import SPACE, fold
from service.domain.mentions import NO_MENTIONS, LineMentions
from service.domain.wording import pair_first_names

_MANAGER_WORDS = {"me", "i", "myself"}
_REPORT_WORDS = {"you", "yourself"}


def resolve_owner(raw: str, manager_name: str, report_name: str,
                  given_names: tuple[str, str] = ("", ""), *,
                  emails: tuple[str, str] = ("", ""), mentions: LineMentions = NO_MENTIONS,
                  former: bool = False) -> str | None:
    """The owner's full name for a known person or pronoun; None if not one of the pair.

    A person is known by their full name, the first name the agenda calls them
    (``first_name``) or their given name (``given_names``: the manager's and the report's
    from the directory, "": none), unless the other of the pair goes by that name too; by
    a mention on the line (``mentions``) of their address (``emails``: the manager's and
    the report's), whatever name it shows - one of someone else's address is never one of
    the pair; and by a name typed with an "@" in front as by the name. ``former``: as the
    release before these last forms read it (``notes``: what a re-read compares with)."""
    if not former:
        picked = mentions.address(raw)
        known = [mail.strip().casefold() for mail in emails]
        if picked is not None and any(known):
            return (manager_name if picked == known[0] else
                    report_name if picked == known[1] else None)
    text = SPACE.sub(" ", raw.strip(" .,;:*_"))
    if not former:
        text = text.removeprefix("@").strip()  # a mention typed, or its picker dismissed
    key = fold(text)
    if key in _MANAGER_WORDS:
        return manager_name
    if key in _REPORT_WORDS:
        return report_name
    if key == fold(SPACE.sub(" ", manager_name.strip())):
        return manager_name
    if key == fold(SPACE.sub(" ", report_name.strip())):
        return report_name
    firsts = pair_first_names(manager_name, report_name, given_names)
    # The name the agenda calls someone (shown) wins over the other's given name the
    # display name does not show (a legal "Robert" for "Bob Smith" is not Robert Jones's).
    shown = (fold(firsts[0]), fold(firsts[1]))
    if key == shown[0] and key != shown[1]:
        return manager_name
    if key == shown[1] and key != shown[0]:
        return report_name
    manager = {fold(n) for n in (firsts[0], given_names[0]) if n.strip()}
    report = {fold(n) for n in (firsts[1], given_names[1]) if n.strip()}
    # A name both go by (two Sams) tells them apart no more: only a full name does.
    if key in manager and key not in report:
        return manager_name
    if key in report and key not in manager:
        return report_name
    return None

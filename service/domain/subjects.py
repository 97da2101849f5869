"""A series' subject as ``[policy] subject`` writes it, and whether one still reads so; and
a person's name as any subject of ours shows it."""

from __future__ import annotations

import re
import string

from service.domain.text import for_one_line

# Entra allows 256-character display names; Outlook shows and searches about 255 characters
# of a subject, which two whole names and our words would pass.
NAME_LIMIT = 100


def subject_name(name: str) -> str:
    """``name`` (a display name from the directory) as a subject of ours shows it: on one
    line, without control or format characters but the joiners that shape letters, cut to
    ``NAME_LIMIT`` characters. The store keeps names as the directory gives them: a line
    break (which splits a subject), U+0085 and U+009B (C1 controls, which reach a mail's
    Subject header) and zero-width spaces among them. Letters of any script are kept."""
    return for_one_line(name, NAME_LIMIT)


def series_subject(template: str, manager: str, report: str) -> str:
    """``[policy] subject`` (``template``) with the pair's names, as `subject_name` shows
    them: a series' subject, and a single meeting's booked for the pair."""
    return template.format(manager=subject_name(manager), report=subject_name(report))


def fits(subject: str, template: str) -> bool:
    """Whether ``subject`` has the shape ``template`` gives it (its words around the names,
    whatever the names): one the manager rewrote in Outlook ("Rob & Mia weekly") is theirs,
    and a rename leaves it as they wrote it. (A subject written before names were shown by
    `subject_name` fits as well: the names are any text.)"""
    pattern = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        pattern.append(re.escape(literal))
        if name is not None:
            pattern.append(".+")
    return re.fullmatch("".join(pattern), subject, flags=re.DOTALL) is not None

"""A series' subject as ``[policy] subject`` writes it, and whether one still reads so."""

from __future__ import annotations

import re
import string


def fits(subject: str, template: str) -> bool:
    """Whether ``subject`` has the shape ``template`` gives it (its words around the names,
    whatever the names): one the manager rewrote in Outlook ("Rob & Mia weekly") is theirs,
    and a rename leaves it as they wrote it."""
    pattern = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        pattern.append(re.escape(literal))
        if name is not None:
            pattern.append(".+")
    return re.fullmatch("".join(pattern), subject, flags=re.DOTALL) is not None

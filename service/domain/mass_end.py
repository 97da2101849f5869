"""The guard against ending many pairs at once by accident (as Entra Connect's "prevent
accidental deletes").

A pairs file truncated to half its rows, ``[pairs] group_id`` set to the wrong (small) group
or a directory read that came back short would otherwise end, in one run, every pair the
sources no longer list: each series' meetings to come cancelled, each report mailed a
cancellation. Such a sync is refused whole, until the admin fixes the source or confirms
the ends once (``--allow-ends N``), or changes ``[pairs] max_ends``.

Pure: the caller passes a sync's actions and how many pairings are live.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.domain.pairing import PairAction

# What ends a live pairing: a leaver's, one no longer paired, and a mover's old one.
ENDING = frozenset({"leave", "unpaired", "move"})
# ``max_ends = "auto"``: a fifth of the live pairs, but never fewer than FLOOR (a small
# organisation's leavers of a busy week never trip it); and of them, those the sources just
# no longer list (``PairAction.unlisted``: both people still here), at most half the live
# pairs: under the floor alone, a pilot of a dozen pairs whose file was cut to its first
# lines would lose nearly all of them. (One such pair alone may always end.)
SHARE = 5
FLOOR = 10
# Pairs named in a refusal (the rest are counted).
NAMED = 5


def ending(actions: Sequence[PairAction]) -> list[PairAction]:
    """The actions that end a live pairing."""
    return [a for a in actions if a.kind in ENDING and a.current is not None]


def end_limit(live: int, max_ends: int | None) -> int | None:
    """The most pairings one sync may end, of ``live`` ones; None: no limit.
    ``max_ends``: the setting, None for "auto", 0 for no limit."""
    if max_ends == 0:
        return None
    if max_ends is None:
        return max(FLOOR, live // SHARE)
    return max_ends


def unlisted_limit(live: int, max_ends: int | None) -> int | None:
    """The most pairings one sync may end, of ``live`` ones, because the sources no longer
    list them while both people are still here; None: no limit beyond ``end_limit``."""
    return max(1, live // 2) if max_ends is None else None


def refusal(actions: Sequence[PairAction], live: int, max_ends: int | None, allowed: int,
            where: str) -> str | None:
    """Why this sync must change nothing (None: it may go ahead). ``allowed``: the ends the
    admin allowed for this run (``--allow-ends``), ``where``: the source, as the message
    names it."""
    ends = ending(actions)
    most = end_limit(live, max_ends)
    unlisted = unlisted_limit(live, max_ends)
    if most is None or (len(ends) <= max(most, allowed) and (
            unlisted is None or sum(a.unlisted for a in ends) <= max(unlisted, allowed))):
        return None
    # By what the reason says (the people's names): a reconcile orders pairs the sources no
    # longer list by directory id.
    shown = "; ".join(sorted(a.reason for a in ends)[:NAMED])
    if len(ends) > NAMED:
        shown += f"; and {len(ends) - NAMED} more"
    given = f" (--allow-ends {allowed} allows fewer)" if allowed else ""
    if len(ends) > max(most, allowed):
        rule = (f"{most}: a fifth of the pairs, at least {FLOOR}" if max_ends is None
                else str(most))
        said = f"more than [pairs] max_ends allows ({rule}){given}"
    else:
        said = (f"{sum(a.unlisted for a in ends)} of them because the sources no longer list "
                f"them while both people are still here, more than [pairs] max_ends = "
                f"\"auto\" allows ({unlisted}: half the pairs){given}")
    return (
        f"{where}: this sync would end {len(ends)} of the {live} pairs now scheduled, "
        f"{said}: {shown}. Nothing was changed. If "
        "the source is wrong (a truncated or partial export, the wrong group, a directory "
        "read that came back short), fix it and run again. If this is a real "
        f"reorganisation, allow these ends once with `onetoone schedule --allow-ends "
        f"{len(ends)}` (`onetoone schedule --dry-run` lists every pair it would end), or "
        "change [pairs] max_ends.")

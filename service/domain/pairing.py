"""Reconcile who should be meeting whom (the sources, now) with the stored pairings.

Pure: the caller gathers the directory / pairs file and the store; this decides, per
report, one of:

- ``join``: a desired pair and no live pairing for the report;
- ``move``: a desired pair whose report has a live pairing with another manager (the
  action carries both: end the old pairing, create the new one);
- ``leave``: a live pairing whose report is no longer an enabled user;
- ``unpaired``: a live pairing whose report is still here but no longer has that manager
  (or any manager) in the sources;
- ``recadence``: the same pair, but the cadence/minutes ``choose_cadence`` gives today
  differ from the stored ones (a new starter leaving the window, an override added);
- ``keep``: nothing to do;
- ``waiting``: a desired pair not booked yet one of whom has no mailbox yet (a joiner whose
  licence comes on their first day): held, as an invitation to their user principal name
  reaches no one, until the directory gives them a mail address;
- ``blocked``: the manager deleted the series (never silently recreated), the pair keeps a
  1-2-1 series of its own that onetoone leaves alone (see ``domain.own_series``), two
  managers claim the same report (the pairs file beats the directory, else the first one
  wins; the losers are blocked), a manager paired with themself, or a person who is not an
  enabled user.

"Live" pairings are those with status ``active``, ``series_deleted`` or ``own_series``;
``ended`` ones are history and ignored (a pair that meets again simply joins again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import Literal

from service.domain.cadence import choose_cadence, report_today
from service.domain.model import CadenceKind, PairSpec, Person
from service.domain.policy import CadencePolicy
from service.domain.status import ENDED_IN_OUTLOOK, LIVE_PAIRINGS, PairingStatus

ActionKind = Literal["join", "move", "leave", "unpaired", "recadence", "keep", "blocked",
                     "waiting"]


@dataclass(frozen=True, slots=True)
class CurrentPairing:
    """A pairing as the store has it (slots: a sync holds every live one at once)."""

    key: str
    manager_id: str
    report_id: str
    cadence: CadenceKind
    minutes: int
    status: str  # a PairingStatus
    # What else an unchanged pairing must already say (a sync rewrites it otherwise).
    cadence_reason: str = ""
    source: str = ""
    ended: bool = False
    end_reason: str = ""
    # SERIES_DELETED: the manager cut the series short in Outlook (not deleted it).
    ended_in_outlook: bool = False


@dataclass(frozen=True, slots=True)
class PairAction:
    """What to do about one pairing, and why (shown to admins by ``onetoone pairs``)."""

    kind: ActionKind
    key: str
    spec: PairSpec | None
    current: CurrentPairing | None
    reason: str
    # The sources no longer list a pair whose two people are still here (a line gone from
    # the file, someone out of the group scope): what a source cut short looks like, unlike
    # a leaver or a mover the directory tells of (see domain/mass_end.py).
    unlisted: bool = False


def _from_file(spec: PairSpec) -> bool:
    return spec.source.startswith("file")


def _label(person: Person) -> str:
    return f"{person.name} <{person.email}>" if person.name else person.email


def _pick(specs: list[PairSpec]) -> tuple[PairSpec, list[tuple[PairSpec, str]]]:
    """The winning spec for one report, and the losers with why they lost.

    Specs for the same pair (same key, e.g. directory and file agree) merge silently:
    the file's one wins (it may carry overrides).
    """
    winner = next((s for s in specs if _from_file(s)), specs[0])
    why = "the pairs file overrides the directory" if _from_file(winner) and any(
        not _from_file(s) for s in specs if s.key != winner.key) else "it came first"
    losers = []
    for s in specs:
        if s.key == winner.key:
            continue
        losers.append((s, (
            f"{_label(s.report)} is claimed by two managers: {_label(winner.manager)} "
            f"({winner.source}) and {_label(s.manager)} ({s.source}); "
            f"{winner.manager.name or winner.manager.email} wins because {why}. "
            "Fix the source so only one manager claims this report."
        )))
    return winner, losers


def _file_name(path: str) -> str:
    """The pairs file by its name ("/srv/pairs.csv" -> "pairs.csv"): the reason may be
    mailed to the pair, who need no server's paths."""
    return PurePath(path).name if path else "the pairs file"


def _cadence_text(kind: str, minutes: int) -> str:
    return f"{kind} {minutes}m"


def reconcile(
    desired: Sequence[PairSpec],
    current: Sequence[CurrentPairing],
    present_ids: frozenset[str],
    policy: CadencePolicy,
    now: datetime,
    *,
    names: Mapping[str, str] | None = None,
    whole_directory: bool = True,
    still_here: AbstractSet[str] = frozenset(),
    excluded: AbstractSet[str] = frozenset(),
    pairs_file: str = "",
    no_mailbox: AbstractSet[str] = frozenset(),
    unread: AbstractSet[str] = frozenset(),
    not_people: Mapping[str, str] | None = None,
) -> list[PairAction]:
    """The actions that bring the stored pairings in line with the sources.

    ``names``: what the store calls people the sources no longer list (for the reasons
    given). ``whole_directory``: whether ``present_ids`` is every enabled user; with a
    pairs file alone it is only the people the file names, so someone missing from it was
    taken out of the file, not necessarily gone from the organisation. ``still_here``: of
    the people not present, those still enabled in the directory (in [pairs] exclude, out
    of the group scope): the reason, which their pair is mailed, must not say they left.
    ``excluded``: of those, the ones in [pairs] exclude (with a pairs file alone, someone
    still here and not present was taken out of the file, unless excluded).
    ``pairs_file``: the path of the pairs file read now, named as the file a pair it no
    longer lists is no longer paired in (not the file the pair came from: [pairs] file may
    have been pointed at a new one, and the old one still lists them). ``no_mailbox``: the
    people with no mailbox yet (Graph gives no mail address): a pair of theirs not paired
    yet waits for it. ``unread``: the people whose mailbox's purpose could not be read now
    (refused, throttled): a pair of theirs not paired yet waits for the next read, as it
    might be a shared mailbox's. ``not_people``: of those still here, the mailboxes that
    are no one's own (shared, room, equipment), by id, with what they are ("a shared
    mailbox"): said as the reason their pairs end.

    Deterministic: sorted by report email (report id when only the store knows the
    report), then pairing key.
    """
    actions: list[tuple[str, PairAction]] = []
    people: dict[str, Person] = {}
    for spec in desired:
        people.setdefault(spec.manager.id, spec.manager)
        people.setdefault(spec.report.id, spec.report)

    def sort_name(person_id: str) -> str:
        p = people.get(person_id)
        return (p.email if p is not None else person_id).lower()

    def name(person_id: str) -> str:
        p = people.get(person_id)
        if p is not None:
            return p.name or p.email
        return (names or {}).get(person_id) or person_id

    def out_of_scope(person_id: str) -> str:  # still here: excluded, or out of the scope
        if not_people and person_id in not_people:
            return f"{name(person_id)} is {not_people[person_id]}, not a person"
        return f"{name(person_id)} is no longer in scope for automatic 1-2-1s"

    def add(report_id: str, action: PairAction) -> None:
        actions.append((sort_name(report_id), action))

    def absent(person_id: str) -> bool:
        """Not in the sources because they left or are excluded (or, with the directory, out
        of the group scope). With a pairs file alone, someone else still here who is not
        present was taken out of the file (or skipped with a leaver's line): said so, not
        that they left; a leaver whose line is still in it, or someone excluded, is said as
        such, as with the directory (the pair is mailed the reason)."""
        return person_id not in present_ids and (
            whole_directory or person_id not in still_here or person_id in excluded)

    # 1. Which desired spec counts for each report. Nearly every report has one claim and
    # one live pairing: a list each only for those with more (a list per report was most
    # of a large directory's reconcile).
    claims: dict[str, PairSpec] = {}
    more_claims: dict[str, list[PairSpec]] = {}
    for spec in desired:
        if spec.manager.id.lower() == spec.report.id.lower():
            add(spec.report.id, PairAction("blocked", spec.key, spec, None,
                                           f"{_label(spec.report)} is paired with themself "
                                           f"({spec.source}); skipped."))
            continue
        missing = [p for p in (spec.manager, spec.report) if p.id not in present_ids]
        if missing:
            who = " and ".join(_label(p) for p in missing)
            add(spec.report.id, PairAction("blocked", spec.key, spec, None,
                                           f"{who} is not an enabled user ({spec.source}); "
                                           "skipped."))
            continue
        first = claims.setdefault(spec.report.id, spec)
        if first is not spec or spec.report.id in more_claims:
            more_claims.setdefault(spec.report.id, [first]).append(spec)
    wanted = claims
    for report_id, specs in more_claims.items():
        winner, losers = _pick(specs)
        wanted[report_id] = winner
        for loser, why in losers:
            add(report_id, PairAction("blocked", loser.key, loser, None, why))

    # 2. Live pairings per report.
    live: dict[str, CurrentPairing] = {}
    more_live: dict[str, list[CurrentPairing]] = {}
    for cur in sorted(current, key=lambda c: c.key):
        if cur.status not in LIVE_PAIRINGS:
            continue
        first_live = live.setdefault(cur.report_id, cur)
        if first_live is not cur or cur.report_id in more_live:
            more_live.setdefault(cur.report_id, [first_live]).append(cur)

    # 3. Decide per report.
    for report_id in sorted(wanted.keys() | live.keys()):
        wanted_spec = wanted.get(report_id)
        one = live.get(report_id)
        pairings = more_live.get(report_id) or ([one] if one is not None else [])
        if wanted_spec is None:
            for cur in pairings:
                gone = [i for i in (report_id, cur.manager_id) if i not in present_ids]
                if not whole_directory and gone and not any(absent(i) for i in gone):
                    kind: ActionKind = "unpaired"
                    why = (f"{name(cur.manager_id)} and {name(report_id)} are no longer "
                           f"paired in {_file_name(pairs_file)}")
                    unlisted = True
                elif absent(report_id):
                    kind, why = (("unpaired", out_of_scope(report_id))
                                 if report_id in still_here else
                                 ("leave", f"{name(report_id)} left or was disabled"))
                    # (Someone in [pairs] exclude was taken out on purpose.)
                    unlisted = report_id in still_here and report_id not in excluded
                elif cur.manager_id in still_here:
                    kind, why = "unpaired", out_of_scope(cur.manager_id)
                    unlisted = cur.manager_id not in excluded
                elif cur.manager_id not in present_ids:
                    kind, why, unlisted = "unpaired", (
                        f"manager {name(cur.manager_id)} left and {name(report_id)} has no "
                        "new manager"), False
                else:
                    # With a pairs file alone, both still named on other lines: the pair's
                    # own line is gone, as a file cut short leaves it.
                    kind, why, unlisted = "unpaired", (
                        f"{name(report_id)} no longer reports to {name(cur.manager_id)} and "
                        "has no manager in the sources"), not whole_directory
                add(report_id, PairAction(kind, cur.key, None, cur, why, unlisted))
            continue
        spec = wanted_spec

        same = [c for c in pairings if c.key == spec.key]
        others = [c for c in pairings if c.key != spec.key]
        mailless = [p for p in (spec.manager, spec.report) if p.id in no_mailbox]
        unknown = [p for p in (spec.manager, spec.report) if p.id in unread]
        if (mailless or unknown) and not same:
            # Booked now, the series would invite an address no mailbox is behind, and
            # nothing would send it again once the mailbox came; or one that may be a shared
            # mailbox's. (A pair already paired is left as it is: its series is there, or
            # its failure to book is told.)
            who = " and ".join(f"{_label(p)}'s" for p in mailless or unknown)
            add(report_id, PairAction(
                "waiting", spec.key, spec, None,
                f"new pair ({spec.source}), waiting for {who} mailbox: the directory gives "
                "no mail address yet (no Exchange Online licence yet, as for a joiner before "
                "their first day); booked once it does." if mailless else
                f"new pair ({spec.source}), waiting to read what {who} mailbox is for "
                "(mailboxSettings could not be read this run: a shared or room mailbox is "
                "never paired); read again at the next sync."))
            for old in others:  # a mover: their old pair ends all the same
                add(report_id, PairAction(
                    "unpaired", old.key, None, old,
                    f"{name(report_id)} moved from {name(old.manager_id)} to "
                    f"{spec.manager.name or spec.manager.email} ({spec.source})"))
            continue
        if same:
            cur = same[0]
            add(report_id, _same_pair(spec, cur, policy, now))
        elif others:
            old = others.pop(0)
            add(report_id, PairAction(
                "move", spec.key, spec, old,
                f"{name(report_id)} moved from {name(old.manager_id)} to "
                f"{spec.manager.name or spec.manager.email} ({spec.source})"))
        else:
            cadence = choose_cadence(spec, policy, report_today(spec, now))
            add(report_id, PairAction(
                "join", spec.key, spec, None,
                f"new pair ({spec.source}); {_cadence_text(cadence.kind, cadence.minutes)}: "
                f"{cadence.reason}"))
        for stale in others:  # a report can have one live pairing only
            add(report_id, PairAction(
                "unpaired", stale.key, None, stale,
                f"{name(report_id)} now meets {spec.manager.name or spec.manager.email}, "
                f"not {name(stale.manager_id)}"))

    actions.sort(key=lambda item: (item[0], item[1].key, item[1].kind))
    return [a for _, a in actions]


def _same_pair(spec: PairSpec, cur: CurrentPairing, policy: CadencePolicy,
               now: datetime) -> PairAction:
    if cur.status == PairingStatus.SERIES_DELETED and cur.ended_in_outlook:
        return PairAction(
            "blocked", spec.key, spec, cur,
            f"{ENDED_IN_OUTLOOK}: {spec.manager.name or spec.manager.email} gave the 1-2-1 "
            f"series with {spec.report.name or spec.report.email} an earlier end in Outlook "
            "and it is over; it is not booked again automatically. If the pair should meet "
            f"again, run `onetoone pairs reset {spec.report.email}`.")
    if cur.status == PairingStatus.SERIES_DELETED:
        return PairAction(
            "blocked", spec.key, spec, cur,
            f"{spec.manager.name or spec.manager.email} deleted the 1-2-1 series with "
            f"{spec.report.name or spec.report.email} in Outlook; it is not recreated "
            "automatically. If the pair should meet again, run "
            f"`onetoone pairs reset {spec.report.email}`.")
    if cur.status == PairingStatus.OWN_SERIES:
        return PairAction(
            "blocked", spec.key, spec, cur,
            f"{spec.manager.name or spec.manager.email} and "
            f"{spec.report.name or spec.report.email} keep a recurring 1-2-1 of their own in "
            "Outlook that onetoone leaves alone (`onetoone status` says which); it books "
            "them once that series is over or gone (it looks again weekly, and the day "
            "after its last meeting).")
    cadence = choose_cadence(spec, policy, report_today(spec, now))
    old = _cadence_text(str(cur.cadence), cur.minutes)
    new = _cadence_text(str(cadence.kind), cadence.minutes)
    if old != new:
        return PairAction("recadence", spec.key, spec, cur,
                          f"{old} → {new}: {cadence.reason}")
    return PairAction("keep", spec.key, spec, cur, f"{new}: {cadence.reason}")


def management_cycles(specs: Sequence[PairSpec]) -> list[list[PairSpec]]:
    """Loops in who-manages-whom once the sources are combined, each in the "manages"
    direction from its first spec (file lines first, then by report email).

    Per report the spec that :func:`reconcile` would keep counts (the pairs file's over the
    directory's, else the first). The pairs file alone can't loop (its parser refuses that),
    but with ``source = "both"`` a line can close a loop with the directory: the file says
    Priya manages Eleanor while the directory says Eleanor manages Priya.
    """
    winner: dict[str, PairSpec] = {}
    for spec in specs:
        if spec.manager.id == spec.report.id:
            continue  # blocked as a self-pair by reconcile
        current = winner.get(spec.report.id)
        if current is None or (_from_file(spec) and not _from_file(current)):
            winner[spec.report.id] = spec

    def order(spec: PairSpec) -> tuple[int, str, str]:
        return (0 if _from_file(spec) else 1, spec.source, spec.report.email.lower())

    finished: set[str] = set()
    cycles: list[list[PairSpec]] = []
    for start in sorted(winner.values(), key=order):
        walked: list[PairSpec] = []
        position: dict[str, int] = {}
        person = start.report.id
        while person in winner and person not in finished and person not in position:
            position[person] = len(walked)
            walked.append(winner[person])
            person = winner[person].manager.id
        finished.update(position)
        if person in position:
            cycle = list(reversed(walked[position[person]:]))  # manager -> report order
            first = min(range(len(cycle)), key=lambda i: order(cycle[i]))
            cycles.append(cycle[first:] + cycle[:first])
    return cycles


def describe_cycle(cycle: Sequence[PairSpec]) -> str:
    """'where: management cycle: a manages b (file x.csv:3), b manages a (directory); ...'
    with the fix, naming every pairs-file line in it."""
    files = [s.source.removeprefix("file ") for s in cycle if _from_file(s)]
    where = f"{files[0]}: " if files else ""
    chain = ", ".join(f"{s.manager.email} manages {s.report.email} ({s.source})" for s in cycle)
    fix = ("Fix the manager on the pairs-file line, or the manager in the directory"
           if files else "Fix the managers in the directory")
    return (f"{where}management cycle: {chain}; so each of them would be above their own "
            f"manager. {fix}.")


def chart_depths(manager_of: Mapping[str, str]) -> dict[str, int]:
    """How many managers each person has above them in ``manager_of`` (report id to
    manager id): 1 for a report of someone who has no manager there, who is left out (0).
    A loop, which the pairs sync keeps one series of and warns about, is counted round once
    from where it is first met (a fixed order for the same input)."""
    depth: dict[str, int] = {}
    for start in manager_of:
        chain: list[str] = []
        on_chain: set[str] = set()
        person = start
        while person in manager_of and person not in depth and person not in on_chain:
            chain.append(person)
            on_chain.add(person)
            person = manager_of[person]
        above = depth.get(person, 0)  # the top, someone already counted, or a loop's start
        for person in reversed(chain):
            above += 1
            depth[person] = above
    return depth

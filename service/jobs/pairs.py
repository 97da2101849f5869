"""Find every manager-report pair (directory and/or pairs file) and reconcile the store.

Joiners get a pairing, movers get the old one ended and a new one, leavers get theirs
ended. The series themselves are created and ended by the schedule job; this job only
decides who should be meeting whom.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from service.domain.cadence import choose_cadence, report_today
from service.domain.directory import (
    DirectoryDelta,
    UserValues,
    member_groups,
    merge_stream,
    start_day,
)
from service.domain.events import NOT_A_PERSON, DirectoryUser
from service.domain.exclude import Exclusion, exclusion, matches_nobody, named_by
from service.domain.mass_end import refusal
from service.domain.model import PairSpec, Person
from service.domain.pairing import (
    CurrentPairing,
    PairAction,
    describe_cycle,
    management_cycles,
    reconcile,
)
from service.domain.pairs_csv import NO_PAIRS, FilePair
from service.domain.records import PairingRecord, PairingView, PersonRecord, PersonUpdate
from service.domain.status import LIVE_PAIRINGS, WAIT_FOR_RESET, PairingStatus
from service.domain.timezones import local_date
from service.errors import PairsFileError, TooManyEnds
from service.jobs.context import JobContext
from service.jobs.pairs_file import read_file_side
from service.jobs.pairs_managing import managing_others
from service.jobs.pairs_purpose import PURPOSES_READ, Purposes, not_people_warning
from service.store.files import file_digest
from service.store.people import PairingChange

log = logging.getLogger(__name__)


DIRECTORY_SOURCE = "users"
QUIET_MARK = "pairs.quiet"
QUIET_WARNINGS_MARK = "pairs.quiet.warnings"  # (what that sync warned of, said again)
# Pairs changing cadence in one sync from which the admin is warned (a policy change).
MANY_RECADENCES = 3
# How many reports a warning about their unbookable manager names (the rest are counted).
MAX_NAMED = 10


@dataclass
class DirectoryRead:
    """The users this read changed, as stored before it and now (only those: the directory
    of 100,000 people twice over was most of a sync's memory), and the delta link to store
    with them."""

    before: dict[str, UserValues]
    after: dict[str, UserValues]
    delta_link: str


@dataclass(repr=False)
class PairsPlan:
    """What the sources say now and what would change."""

    actions: list[PairAction]
    people: list[PersonUpdate]
    present_ids: AbstractSet[str]
    warnings: list[str] = field(default_factory=list)
    directory: DirectoryRead | None = None
    # The live pairings as stored when the plan was made, by key: apply writes only the
    # ones that change.
    stored: dict[str, CurrentPairing] = field(default_factory=dict)
    # The counts of the actions when they are no longer all here: a sync that found
    # nothing new to gather (the last one's), or one applied (its "keep"s dropped).
    kept: dict[str, int] | None = None
    # Why applying it would end too many pairs at once ([pairs] max_ends): it is not applied.
    refused: str = ""
    # The digest of the pairs file's bytes this plan was made from (None: not a source).
    file_digest: str | None = None
    # Mailbox purposes read by this sync, by user id (stored when it is applied); whether
    # some could not be (their new pairs wait: the next sync gathers again to read them).
    purposes: dict[str, str] = field(default_factory=dict)
    unread: bool = False

    def counts(self) -> dict[str, int]:
        if self.kept is not None:
            return dict(self.kept)
        out: dict[str, int] = {}
        for action in self.actions:
            out[action.kind] = out.get(action.kind, 0) + 1
        return out

    def __repr__(self) -> str:
        # A summary: the whole plan of a large directory is megabytes of text, and Python
        # 3.11's asyncio.run formats the repr of a run's result (signal.getsignal on its
        # SIGINT handler), which cost a worker ~60 MB of peak memory at 10,000 pairs.
        return (f"PairsPlan(actions={self.counts()}, people={len(self.people)}, "
                f"warnings={len(self.warnings)})")


class _People:
    """One Person per user, however many pairs they are in (a manager of 10 is one object,
    not 11); by the whole user, as a pairs file's lookup may name them otherwise. Their first
    day is theirs where they work (``zones``: their stored mailbox zones, by id)."""

    def __init__(self, groups: dict[str, frozenset[str]], zones: Mapping[str, str | None]
                 ) -> None:
        self.groups, self.zones, self.made = groups, zones, dict[DirectoryUser, Person]()

    def __call__(self, u: DirectoryUser) -> Person:
        person = self.made.get(u)
        if person is None:
            zone = self.zones.get(u.id)
            person = self.made[u] = Person(id=u.id, email=u.email, name=u.name,
                                              hire_date=start_day(u.hired_at, zone),
                                              time_zone=zone,
                                              groups=self.groups.get(u.id, frozenset()))
        return person


async def _group_members(ctx: JobContext) -> dict[str, frozenset[str]]:
    """Each user's groups among those with a cadence override (for per-group policy)."""
    members: dict[str, set[str]] = {}
    for group_id, _cadence in ctx.settings.cadence_policy().group_overrides:
        members[group_id] = await ctx.graph.group_member_ids(group_id)
    return member_groups(members)


async def _directory_delta(ctx: JobContext) -> DirectoryDelta:
    """The changes since the stored delta link (every user when there is none, or Graph
    has forgotten it)."""
    return await ctx.graph.directory_changes(ctx.store.directory_link(DIRECTORY_SOURCE))


async def _read_directory(ctx: JobContext, delta: DirectoryDelta | None = None
                          ) -> tuple[list[DirectoryUser], DirectoryRead]:
    """The directory now: the stored copy, read a page at a time, with the changes since
    its delta link merged in (a first read, or one whose link Graph has forgotten, reads
    every user); ``delta``: those changes, when already read."""
    if delta is None:
        delta = await _directory_delta(ctx)
    merged = merge_stream(ctx.store.directory_rows(DIRECTORY_SOURCE), delta)
    log.info("pairs.directory_read", extra={"changes": len(delta.changes), "full": delta.full,
                                            "users": len(merged.users)})
    return merged.users, DirectoryRead(before=merged.before, after=merged.after,
                                       delta_link=delta.delta_link)


async def gather(ctx: JobContext, now: datetime, *, delta: DirectoryDelta | None = None,
                 allow_ends: int = 0) -> PairsPlan:
    """Read the sources and work out the actions, changing nothing (``delta``: the
    directory's changes, when already read; ``allow_ends``: the ends the admin allowed this
    run, over [pairs] max_ends)."""
    cfg = ctx.settings.pairs
    policy = ctx.settings.cadence_policy()
    use_directory = cfg.source in ("directory", "both")
    use_file = cfg.source in ("file", "both")
    warnings: list[str] = []

    users: list[DirectoryUser] = []
    everyone: dict[str, DirectoryUser] = {}
    read: DirectoryRead | None = None
    if use_directory or use_file:
        # A pairs file's people are found in the directory too: users/delta (one request a
        # sync once read) tells who is enabled, rather than a lookup per person in the file
        # on every sync.
        users, read = await _read_directory(ctx, delta)
        everyone = {u.id: u for u in users}
        if not use_directory:
            users = []  # the file alone says who is paired
        elif cfg.group_id:
            scope = await ctx.graph.group_member_ids(cfg.group_id)
            users = [u for u in users if u.id in scope]
    exclude = await _exclusion(ctx, everyone.values(), warnings)
    # Without a group scope everyone is in it: no second set of every id.
    in_scope: AbstractSet[str] = {u.id for u in users} if cfg.group_id else everyone.keys()
    usable = {u.id: u for u in users if u.enabled and u.member and u.email
              and u not in exclude}
    # Managers outside a group scope are still needed as the organizer.
    for uid in sorted({u.manager_id for u in usable.values()
                       if u.manager_id and u.manager_id not in in_scope}):
        extra = everyone.get(uid)
        # (A member, as any organizer: a guest has no mailbox here to hold the series.)
        if (extra is not None and extra.enabled and extra.member and extra.email
                and extra not in exclude):
            usable.setdefault(extra.id, extra)
    # A shared, room or equipment mailbox is no one's own: never paired (pairs_purpose.py).
    purposes = Purposes(ctx)
    not_people = await purposes.set_aside(usable, everyone)

    file_rows: list[FilePair] = []
    listed = meant_empty = False
    by_email: dict[str, DirectoryUser] = {}
    digest: str | None = None
    if use_file:
        side = await read_file_side(ctx, everyone, usable, exclude, purposes)
        file_rows, by_email, digest = side.rows, side.by_email, side.digest
        listed, meant_empty = side.listed, side.meant_empty
        warnings += side.warnings
        for user in by_email.values():
            usable.setdefault(user.id, user)

    # Only the days of someone hired lately (or to come) can change a cadence: their first
    # day and their today are theirs where they work, so their mailbox zones, stored once
    # read, are looked up (not everyone's).
    lately = now.date() - timedelta(days=policy.new_starter_days + 2)
    zones = {p.id: p.time_zone for p in ctx.store.people(
        u.id for u in usable.values() if u.hired_at and u.hired_at.date() >= lately).values()}
    person = _People(await _group_members(ctx) if policy.group_overrides else {}, zones)
    # Who manages others: by the directory when it is a source, by the file when it is
    # (a report who is a manager on another line); with both, either one counts. Kept as
    # who reports to whom, so that a record naming someone their own manager, or the half
    # of a two-person loop set aside below, makes nobody a manager (and doubles no cadence).
    reports_of: dict[str, set[str]] = {}
    if use_directory:
        # With a scope, anyone enabled reporting to them counts, in the group or not (as
        # directReports lists); a leaver's disabled account does not, as without a scope.
        for staff in everyone.values() if cfg.group_id else users:
            boss_id = staff.manager_id
            if (staff.enabled and boss_id and boss_id != staff.id and staff.id not in not_people
                    and (not cfg.group_id or boss_id in usable)):
                reports_of.setdefault(boss_id, set()).add(staff.id)
    for row in file_rows:
        reports_of.setdefault(by_email[row.manager_email].id, set()).add(
            by_email[row.report_email].id)

    specs: list[PairSpec] = []
    # Reports whose manager is an account no series can be booked for (disabled: a leaver
    # nobody replaced yet; a guest), by that manager: said, not silently skipped. And those
    # the directory names as their own manager.
    stranded: dict[str, list[DirectoryUser]] = {}
    own_manager: list[DirectoryUser] = []
    if use_directory:
        for user in usable.values():
            manager = usable.get(user.manager_id or "")
            if manager is not None and user.id == manager.id:
                own_manager.append(user)
                continue
            if cfg.group_id and user.id not in in_scope:
                continue  # a manager fetched only as an organizer is not in scope as a report
            if manager is None:
                boss = everyone.get(user.manager_id or "")
                if (boss is not None and (not boss.enabled or not boss.member or not boss.person)
                        and boss not in exclude):
                    stranded.setdefault(boss.id, []).append(user)
                continue
            specs.append(PairSpec(manager=person(manager), report=person(user),
                                  source="directory"))
    for row in file_rows:
        manager = by_email[row.manager_email]
        report = by_email[row.report_email]
        specs.append(PairSpec(manager=person(manager), report=person(report),
                              cadence=row.cadence, minutes=row.minutes,
                              source=f"file {cfg.file}:{row.line}"))
    # With both sources, a report a file line pairs has a 1-2-1 whatever the directory
    # says of their manager: no warning sends the admin to fix what the file covers.
    filed = {by_email[row.report_email].id for row in file_rows}
    warnings += [f"{user.email} is their own manager in the directory, so has no 1-2-1 as "
                 "a report. Fix the manager in the directory."
                 for user in own_manager if user.id not in filed]
    for boss_id, stuck in stranded.items():
        reports = sorted(u.email for u in stuck if u.id not in filed)
        if reports:
            warnings.append(_stranded_warning(everyone[boss_id], reports))

    current = ctx.store.live_pairings(LIVE_PAIRINGS)
    live_keys = {c.key for c in current}
    looped = []
    doubled: set[int] = set()
    for cycle in management_cycles(specs):
        if any(spec.source.startswith("file") for spec in cycle):
            looped.append(describe_cycle(cycle))
            continue
        warning = describe_cycle(cycle)
        if len(cycle) == 2:
            # Two people who each manage the other would get two series with each other:
            # one is kept (the first, as described) until the directory is fixed.
            kept, dropped = cycle
            if dropped.key in live_keys and kept.key not in live_keys:
                kept, dropped = dropped, kept  # the pair already meeting stays
            doubled.add(id(dropped))
            reports_of.get(dropped.manager.id, set()).discard(dropped.report.id)
            warning += (f" Until then only {kept.manager.email} meets "
                        f"{kept.report.email} (one series, not two).")
        warnings.append(warning)
    manages, vacant = managing_others(ctx, reports_of, current, everyone | usable, zones,
                                      not_people, policy, now)
    specs = [replace(spec, report_manages_others=spec.report.id in manages,
                     report_vacant_since=vacant.get(spec.report.id))
             for spec in specs if id(spec) not in doubled]
    if looped:
        # A pairs-file line closes a loop with the directory: refused, like any bad line.
        raise PairsFileError("\n".join(looped))

    if use_file and not listed and not meant_empty and any(
            c.source.startswith("file") or not use_directory for c in current if not c.ended):
        # A truncated export or a file saved empty by mistake would end every 1-2-1 it
        # lists, each report mailed a cancellation: refused, as any bad input is. With the
        # file as the only source, so would one that lists none yet (source just switched
        # from the directory). (A new deployment's empty file, with nothing stored, is fine.)
        raise PairsFileError(
            f"{cfg.file}: the file lists no pairs (it is empty, or holds only a header, "
            "comments or blank rows), so every 1-2-1 it is the source of would end. Nothing "
            "was changed. Restore the file (or fill it in, if [pairs] source was just set to "
            "use it): one manager,report line per pair. To end those 1-2-1s on purpose, "
            f"write the line `{NO_PAIRS}` in it.")
    stored = {p.key: p for p in current}
    present = frozenset(usable)
    # Named as the directory knows them, or as the store does for whoever the sources no
    # longer list: a reason (which the pair may be mailed) never shows a directory id.
    involved = {i for c in current for i in (c.report_id, c.manager_id)}
    gone = {i for i in involved if i not in present}
    names = {uid: p.name or p.email
             for uid, p in (ctx.store.people(gone) if gone else {}).items()}
    names |= {uid: usable[uid].name or usable[uid].email for uid in involved if uid in usable}
    # Not paired any more, but not gone either (excluded, out of the group scope).
    still_here = {i for i in gone if (u := everyone.get(i)) is not None and u.enabled}
    left_out = {i for i in still_here if everyone[i] in exclude or i in not_people}
    actions = reconcile(specs, current, present, policy, now, names=names,
                        whole_directory=use_directory, still_here=still_here,
                        excluded=left_out, pairs_file=str(cfg.file) if use_file else "",
                        no_mailbox={i for i, u in usable.items() if not u.mailbox},
                        unread=purposes.unread, not_people=purposes.words())
    # Said each sync, as a directory problem is, until the mailbox comes (or never does).
    warnings += [a.reason for a in actions if a.kind == "waiting"]
    recadenced = sum(1 for a in actions if a.kind == "recadence")
    if recadenced >= MANY_RECADENCES:
        # Usually a [policy] change: each series ended (a cancellation per meeting to come)
        # and booked anew in the next run, but one to meet less often (stale.steps_down).
        warnings.append(
            f"{recadenced} pairs change cadence or length in this sync: each one's series is "
            "ended (its meetings to come cancelled, the report told) and a new one booked, "
            "all in this run, unless it is to meet less often (then kept to its end). If a "
            "[policy] change caused it and that was not meant, put the setting back before "
            "the next run; `onetoone pairs` lists them.")
    # A truncated file, the wrong group or a short directory read would end a mass of pairs
    # (each report mailed a cancellation): said here, refused by sync_pairs.
    sources = [str(cfg.file)] if use_file else []
    if use_directory:
        sources.append(f"the directory (group {cfg.group_id})" if cfg.group_id
                       else "the directory")
    where = " and ".join(sources)
    refused = refusal(actions, len(current), cfg.max_ends, allow_ends, where) or ""
    if refused:
        warnings.append(refused)
    people = [PersonUpdate(id=u.id, email=u.email, name=u.name, hired_at=u.hired_at,
                           manages_others=u.id in manages, given_name=u.given_name,
                           date_format=purposes.date_formats.get(u.id), aliases=u.aliases)
              for u in usable.values()]
    if said := not_people_warning(not_people.values(), everyone):
        warnings.append(said)
    return PairsPlan(actions=actions, people=people, present_ids=present, warnings=warnings,
                     directory=read, stored=stored, refused=refused, file_digest=digest,
                     purposes=purposes.read, unread=bool(purposes.unread))


async def _exclusion(ctx: JobContext, users: Iterable[DirectoryUser], warnings: list[str]
                     ) -> Exclusion:
    """Whom [pairs] exclude names: by the directory read (object id, primary address, user
    principal name), else looked up (an alias, such as the address someone had before a
    change of name: a request or two for those entries only, batched). An entry that names
    nobody is warned of (``warnings``)."""
    entries = {e.lower() for e in ctx.settings.pairs.exclude}
    if not entries:
        return Exclusion()
    named = named_by(entries, users)
    if unmatched := sorted(entries - named.keys()):
        named |= {entry: user.id for entry, user in (
            await ctx.graph.find_users(unmatched)).items() if entry in entries}
    warnings += matches_nobody(entries, named)
    return exclusion(entries, named)


def _stranded_warning(boss: DirectoryUser, reports: list[str]) -> str:
    """Why the reports of a disabled or guest manager have no 1-2-1, and the fix."""
    who = boss.email or boss.name or boss.id
    what = ("a disabled account" if not boss.enabled else
            f"{NOT_A_PERSON[str(boss.purpose)]}, not a person" if not boss.person else
            "a guest account (no mailbox in this organisation to hold the series)")
    shown = ", ".join(reports[:MAX_NAMED])
    if len(reports) > MAX_NAMED:
        shown += f" and {len(reports) - MAX_NAMED} more"
    people = "1 person" if len(reports) == 1 else f"{len(reports)} people"
    return (f"{who} is {what}, and the directory still lists them as the manager of "
            f"{people} ({shown}): they have no 1-2-1 with a manager until the directory "
            "gives them one onetoone can book for. Fix the manager in the directory.")


def apply(ctx: JobContext, plan: PairsPlan, now: datetime) -> dict[str, int]:
    """Record the plan: pairings created, ended, re-cadenced. Idempotent; written in one
    transaction, and a pairing that stays as it is is not written at all."""
    store = ctx.store
    policy = ctx.settings.cadence_policy()
    store.upsert_people(plan.people, now)
    changes: list[PairingChange] = []
    for action in plan.actions:
        spec, cur = action.spec, action.current
        # A pair whose series the manager deleted (blocked until `pairs reset`) keeps its
        # cadence current, so a reset books it at the cadence it has by then.
        waiting = (action.kind == "blocked" and cur is not None
                   and cur.status in WAIT_FOR_RESET)
        if (action.kind in ("join", "move", "recadence", "keep") or waiting) and spec is not None:
            cadence = choose_cadence(spec, policy, report_today(spec, now))
            if action.kind == "move" and cur is not None:
                changes.append(PairingChange("end", cur.key, f"moved to {spec.manager.name}"))
            if not _already(plan.stored.get(spec.key), str(cadence.kind), cadence.minutes,
                            cadence.reason, spec.source):
                changes.append(PairingChange(
                    "upsert", spec.key, cadence.reason, manager_id=spec.manager.id,
                    report_id=spec.report.id, cadence=str(cadence.kind),
                    minutes=cadence.minutes, source=spec.source))
        elif action.kind in ("leave", "unpaired") and cur is not None:
            changes.append(PairingChange("end", cur.key, action.reason))
        if action.kind == "blocked" and cur is not None and (
                cur.status != PairingStatus.OWN_SERIES):  # (its note names the series)
            changes.append(PairingChange("note", cur.key, action.reason))
        if action.kind != "keep":
            log.info("pairs.%s", action.kind, extra={"pairing": action.key,
                                                    "reason": action.reason})
    store.apply_pairings(changes, now)
    store.mark_absent(plan.present_ids)
    if plan.directory is not None:
        read = plan.directory
        # Whoever the directory says changed has their mailbox settings read again when
        # next needed (a move of office may mean another time zone).
        store.forget_mailbox_read(uid for uid, values in read.after.items()
                                  if read.before.get(uid, values) != values)
        # Last: a run that stops before this reads the same changes again next time.
        store.save_directory(DIRECTORY_SOURCE, read.before, read.after, read.delta_link)
        store.save_directory_purposes(plan.purposes)
    _remember_quiet(ctx, plan, now)
    return plan.counts()


def _already(stored: CurrentPairing | None, cadence: str, minutes: int, reason: str,
             source: str) -> bool:
    """Whether a stored pairing already says what an upsert would write (or would be left
    as it is: a pairing whose series the manager deleted waits for `pairs reset`)."""
    if stored is None:
        return False
    if stored.status in WAIT_FOR_RESET:  # waits for `pairs reset`, kept current
        return (str(stored.cadence), stored.minutes, stored.cadence_reason,
                stored.source) == (cadence, minutes, reason, source)
    return (stored.status, str(stored.cadence), stored.minutes, stored.cadence_reason,
            stored.source, stored.ended, stored.end_reason) == (
        PairingStatus.ACTIVE, cadence, minutes, reason, source, False, "")


async def sync_pairs(ctx: JobContext, now: datetime, *, dry_run: bool = False,
                     allow_ends: int = 0) -> PairsPlan:
    """Gather and (unless dry-run) apply. When the directory reports no change and nothing
    else the plan depends on changed since the last sync found nothing to do (see
    ``_quiet_basis``), there is nothing to gather: only the new delta link is kept. A plan
    that would end more pairs than [pairs] max_ends (or ``allow_ends``) allows is not
    applied: TooManyEnds (a dry run shows it, with a warning)."""
    delta = None
    basis = _quiet_basis(ctx, now) if not dry_run else None
    if basis is not None:
        delta = await _directory_delta(ctx)
        quiet = _still_quiet(ctx, basis, delta)
        if quiet is not None:
            kept, said = quiet
            ctx.store.save_directory_link(DIRECTORY_SOURCE, delta.delta_link)
            log.info("pairs.unchanged", extra={"pairs": kept.get("keep", 0)})
            for warning in said:  # the directory still has the problem: said every sync
                log.warning("pairs.warning", extra={"warning": warning})
            return PairsPlan([], [], set(), warnings=said, kept=kept)
    plan = await gather(ctx, now, delta=delta, allow_ends=allow_ends)
    if dry_run:
        return plan  # shown: every action
    if plan.refused:
        # Nothing written, the directory's delta link neither: the next sync reads the
        # same changes and is refused again until the source is fixed or the ends allowed.
        raise TooManyEnds(plan.refused)
    counts = apply(ctx, plan, now)
    # What is left of an applied plan is its counts and the changes (a tick holds it to
    # the end, and the pairs kept as they are were most of it).
    for warning in plan.warnings:  # (a directory problem nobody would see otherwise)
        log.warning("pairs.warning", extra={"warning": warning})
    return PairsPlan([a for a in plan.actions if a.kind != "keep"], [], set(),
                     warnings=plan.warnings, kept=counts)


def _quiet_basis(ctx: JobContext, now: datetime, read: str | None = None) -> str | None:
    """What a sync's plan depends on besides the directory's users: the day (cadences of
    new starters change with it, at midnight where each works, and once their zone is
    known), the settings and the stored pairings (a pairing changed elsewhere, e.g. by
    `pairs reset`), and the pairs file's bytes when it is a source (``read``: the digest of
    those a plan was made from; None: the file's as it is now). None when it depends on
    more than users/delta tells of (group membership), so every sync gathers."""
    cfg = ctx.settings.pairs
    policy = ctx.settings.cadence_policy()
    if cfg.group_id or policy.group_overrides:
        return None
    # (PURPOSES_READ: a database from before mailbox purposes were read gathers once.)
    settings = hashlib.sha256(f"{cfg!r}|{policy!r}|{PURPOSES_READ}".encode()).hexdigest()[:16]
    # A new starter's weeks end at midnight where they work: the days it is now where
    # those hired lately work, not only UTC's.
    since = now - timedelta(days=policy.new_starter_days + 2)
    days = sorted({now.date(), *(local_date(now, zone) for zone in ctx.store.hired_zones(
        since))})
    if cfg.source in ("file", "both"):
        # The file is part of what the plan depends on: a plan's mark records the bytes it
        # was made from (a file saved during the sync differs, so the next sync gathers).
        file = read or file_digest(str(cfg.file))
        if file is None:
            return None  # gathered, so that reading it reports the problem
        settings += f" {file}"
    return f"{','.join(map(str, days))} {settings} {ctx.store.pairings_state()}"


def _still_quiet(ctx: JobContext, basis: str, delta: DirectoryDelta
                 ) -> tuple[dict[str, int], list[str]] | None:
    """The counts and warnings of the last sync, if it found nothing to do and nothing
    changed since (so its warnings, about the directory as it still is, still hold).
    ``basis``: ``_quiet_basis`` as the sync began. (Not read again after the directory's:
    a change meanwhile is in the next sync's basis, which then differs from the mark, and
    gathers; this one keeps the mark as it was.)"""
    if delta.full or delta.changes:
        return None
    marks = ctx.store.due_marks((QUIET_MARK, QUIET_WARNINGS_MARK))
    mark = marks.get(QUIET_MARK)
    if not mark:
        return None
    made_from, _, counts = mark.partition("\n")
    if made_from != basis:
        return None
    said = marks.get(QUIET_WARNINGS_MARK)
    return ({str(k): int(v) for k, v in json.loads(counts).items()},
            [str(w) for w in json.loads(said)] if said else [])


def _remember_quiet(ctx: JobContext, plan: PairsPlan, now: datetime) -> None:
    """After a sync is applied: whether the next one, with nothing new, may skip gathering
    (only when this one found nothing to do: every pair kept, or waiting for a mailbox,
    and every purpose read). Its warnings are kept with it, to be said again while the
    directory stays as it is (a leaver's reports may wait weeks for a new manager). They
    are written first, under a mark of their own (an older replica reads the quiet mark)."""
    basis = _quiet_basis(ctx, now, plan.file_digest)
    # (A pair waiting for a mailbox waits for users/delta to tell of its mail address.)
    quiet = (basis is not None and not plan.unread
             and all(a.kind in ("keep", "waiting") for a in plan.actions))
    said = json.dumps(plan.warnings) if quiet and plan.warnings else ""
    if said or ctx.store.due_mark(QUIET_WARNINGS_MARK):
        ctx.store.set_due_mark(QUIET_WARNINGS_MARK, said)
    value = f"{basis}\n{json.dumps(plan.counts(), sort_keys=True)}" if quiet else ""
    if quiet or ctx.store.due_mark(QUIET_MARK):
        ctx.store.set_due_mark(QUIET_MARK, value)


def planned_views(ctx: JobContext, plan: PairsPlan, now: datetime) -> list[PairingView]:
    """Unsaved pairings for the joiners and movers in ``plan`` (what a dry run would create)."""
    policy = ctx.settings.cadence_policy()
    people = {p.id: p for p in plan.people}
    # (Their zones as stored, as a booking's views have them: their first day is theirs.)
    stored = ctx.store.people(i for a in plan.actions if a.spec is not None
                              for i in (a.spec.manager.id, a.spec.report.id))
    out = []
    for n, action in enumerate(plan.actions):
        spec = action.spec
        if action.kind not in ("join", "move") or spec is None:
            continue
        cadence = choose_cadence(spec, policy, report_today(spec, now))
        persons = []
        for person in (spec.manager, spec.report):
            info, known = people.get(person.id), stored.get(person.id)
            persons.append(PersonRecord(id=person.id, email=person.email, name=person.name,
                                        hired_at=info.hired_at if info else None,
                                        time_zone=known.time_zone if known else None,
                                        active=True, seen_at=now,
                                        manages_others=bool(info and info.manages_others)))
        pairing = PairingRecord(id=-(n + 1), key=spec.key, manager_id=spec.manager.id,
                                report_id=spec.report.id, status=PairingStatus.ACTIVE,
                                cadence=str(cadence.kind), minutes=cadence.minutes,
                                cadence_reason=cadence.reason, source=spec.source, note="",
                                created_at=now, updated_at=now, end_reason="")
        out.append(PairingView(pairing, persons[0], persons[1], None))
    return out


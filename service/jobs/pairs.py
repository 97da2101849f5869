"""Find every manager-report pair (directory and/or pairs file) and reconcile the store.

Joiners get a pairing, movers get the old one ended and a new one, leavers get theirs
ended. The series themselves are created and ended by the schedule job; this job only
decides who should be meeting whom.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from service.domain.cadence import choose_cadence
from service.domain.directory import UserValues, directory_users, member_groups, merge
from service.domain.events import DirectoryUser
from service.domain.model import CadenceKind, PairSpec, Person
from service.domain.pairing import (
    CurrentPairing,
    PairAction,
    describe_cycle,
    management_cycles,
    reconcile,
)
from service.domain.pairs_csv import FilePair, file_managers, parse_pairs_csv
from service.domain.records import PairingRecord, PairingView, PersonRecord, PersonUpdate
from service.domain.status import LIVE_PAIRINGS, PairingStatus
from service.errors import PairsFileError
from service.jobs.context import JobContext
from service.store.files import read_pairs_file

log = logging.getLogger(__name__)


DIRECTORY_SOURCE = "users"


@dataclass
class DirectoryRead:
    """The directory before and after this read, and the delta link to store with it."""

    before: dict[str, UserValues]
    after: dict[str, UserValues]
    delta_link: str


@dataclass
class PairsPlan:
    """What the sources say now and what would change."""

    actions: list[PairAction]
    people: list[PersonUpdate]
    present_ids: set[str]
    warnings: list[str] = field(default_factory=list)
    directory: DirectoryRead | None = None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for action in self.actions:
            out[action.kind] = out.get(action.kind, 0) + 1
        return out


def _person(u: DirectoryUser, groups: dict[str, frozenset[str]]) -> Person:
    return Person(id=u.id, email=u.email, name=u.name, hire_date=u.hire_date,
                  groups=groups.get(u.id, frozenset()))


async def _group_members(ctx: JobContext) -> dict[str, frozenset[str]]:
    """Each user's groups among those with a cadence override (for per-group policy)."""
    members: dict[str, set[str]] = {}
    for group_id, _cadence in ctx.settings.cadence_policy().group_overrides:
        members[group_id] = await ctx.graph.group_member_ids(group_id)
    return member_groups(members)


async def _read_directory(ctx: JobContext) -> DirectoryRead:
    """The directory now: the stored copy with the changes since its delta link merged in
    (a first read, or one whose link Graph has forgotten, reads every user)."""
    before, link = ctx.store.directory(DIRECTORY_SOURCE)
    delta = await ctx.graph.directory_changes(link)
    after = merge(before, delta)
    log.info("pairs.directory_read", extra={"changes": len(delta.changes), "full": delta.full,
                                            "users": len(after)})
    return DirectoryRead(before=before, after=after, delta_link=delta.delta_link)


async def gather(ctx: JobContext, today: date) -> PairsPlan:
    """Read the sources and work out the actions, changing nothing."""
    cfg = ctx.settings.pairs
    policy = ctx.settings.cadence_policy()
    exclude = {e.lower() for e in cfg.exclude}
    use_directory = cfg.source in ("directory", "both")
    use_file = cfg.source in ("file", "both")
    warnings: list[str] = []

    users: list[DirectoryUser] = []
    everyone: dict[str, DirectoryUser] = {}
    read: DirectoryRead | None = None
    if use_directory:
        read = await _read_directory(ctx)
        everyone = {u.id: u for u in directory_users(read.after)}
        users = list(everyone.values())
        if cfg.group_id:
            scope = await ctx.graph.group_member_ids(cfg.group_id)
            users = [u for u in users if u.id in scope]
    in_scope = {u.id for u in users}
    usable = {u.id: u for u in users if u.enabled and u.member and u.email
              and u.email not in exclude}
    # Managers outside a group scope are still needed as the organizer.
    for uid in sorted({u.manager_id for u in usable.values()
                       if u.manager_id and u.manager_id not in in_scope}):
        extra = everyone.get(uid)
        if extra is not None and extra.enabled and extra.email and extra.email not in exclude:
            usable.setdefault(extra.id, extra)

    file_rows: list[FilePair] = []
    by_email: dict[str, DirectoryUser] = {}
    if use_file:
        file_rows = parse_pairs_csv(read_pairs_file(str(cfg.file)), str(cfg.file))
        by_email = {u.email: u for u in usable.values()}
        wanted = sorted({r.manager_email for r in file_rows} | {r.report_email for r in file_rows}
                        - set(by_email))
        found = await ctx.graph.find_users(wanted)
        problems = []
        for row in file_rows:
            for email in (row.manager_email, row.report_email):
                user = by_email.get(email) or found.get(email)
                if user is None:
                    problems.append(f"{cfg.file}:{row.line}: {email} is not a user in the "
                                    "directory. Fix the address or remove the line.")
                elif not user.enabled:
                    problems.append(f"{cfg.file}:{row.line}: {email}'s account is disabled. "
                                    "Remove the line.")
                else:
                    by_email[email] = user
                    usable.setdefault(user.id, user)
        if problems:
            # Nothing changes on bad input: a typo must not look like a leaver.
            raise PairsFileError("\n".join(problems[:20]))

    groups = await _group_members(ctx) if policy.group_overrides else {}
    # Who manages others: by the directory when it is a source, by the file when it is
    # (a report who is a manager on another line); with both, either one counts.
    manages: set[str] = set()
    if use_directory and cfg.group_id:
        # Anyone reporting to them counts, in the group or not (as directReports lists).
        manages = {u.manager_id for u in everyone.values()
                   if u.manager_id and u.manager_id in usable}
    elif use_directory:
        manages = {u.manager_id for u in users if u.enabled and u.manager_id}
    manages |= {by_email[email].id for email in file_managers(file_rows)}

    specs: list[PairSpec] = []
    if use_directory:
        for user in usable.values():
            manager = usable.get(user.manager_id or "")
            if manager is None or user.id == manager.id:
                continue
            if cfg.group_id and user.id not in in_scope:
                continue  # a manager fetched only as an organizer is not in scope as a report
            specs.append(PairSpec(manager=_person(manager, groups), report=_person(user, groups),
                                  report_manages_others=user.id in manages, source="directory"))
    for row in file_rows:
        manager = by_email[row.manager_email]
        report = by_email[row.report_email]
        specs.append(PairSpec(manager=_person(manager, groups), report=_person(report, groups),
                              report_manages_others=report.id in manages,
                              cadence=row.cadence, minutes=row.minutes,
                              source=f"file {cfg.file}:{row.line}"))

    looped = []
    for cycle in management_cycles(specs):
        if any(spec.source.startswith("file") for spec in cycle):
            looped.append(describe_cycle(cycle))
        else:
            warnings.append(describe_cycle(cycle))
    if looped:
        # A pairs-file line closes a loop with the directory: refused, like any bad line.
        raise PairsFileError("\n".join(looped))

    current = [
        CurrentPairing(key=p.key, manager_id=p.manager_id, report_id=p.report_id,
                       cadence=CadenceKind(p.cadence), minutes=p.minutes, status=p.status)
        for p in ctx.store.pairings(LIVE_PAIRINGS)
    ]
    present = set(usable)
    actions = reconcile(specs, current, frozenset(present), policy, today)
    people = [PersonUpdate(id=u.id, email=u.email, name=u.name, hire_date=u.hire_date,
                           manages_others=u.id in manages) for u in usable.values()]
    return PairsPlan(actions=actions, people=people, present_ids=present, warnings=warnings,
                     directory=read)


def apply(ctx: JobContext, plan: PairsPlan, now: datetime) -> dict[str, int]:
    """Record the plan: pairings created, ended, re-cadenced. Idempotent."""
    store = ctx.store
    policy = ctx.settings.cadence_policy()
    store.upsert_people(plan.people, now)
    for action in plan.actions:
        spec, cur = action.spec, action.current
        if action.kind in ("join", "move", "recadence", "keep") and spec is not None:
            cadence = choose_cadence(spec, policy, now.date())
            if action.kind == "move" and cur is not None:
                store.end_pairing(cur.key, f"moved to {spec.manager.name}", now)
            store.upsert_pairing(key=spec.key, manager_id=spec.manager.id,
                                 report_id=spec.report.id, cadence=str(cadence.kind),
                                 minutes=cadence.minutes, reason=cadence.reason,
                                 source=spec.source, now=now)
        elif action.kind in ("leave", "unpaired") and cur is not None:
            store.end_pairing(cur.key, action.reason, now)
        elif action.kind == "blocked" and cur is not None:
            store.set_pairing_note(cur.key, action.reason, now)
        if action.kind != "keep":
            log.info("pairs.%s", action.kind, extra={"pairing": action.key,
                                                    "reason": action.reason})
    store.mark_absent(plan.present_ids)
    if plan.directory is not None:
        # Last: a run that stops before this reads the same changes again next time.
        read = plan.directory
        store.save_directory(DIRECTORY_SOURCE, read.before, read.after, read.delta_link)
    return plan.counts()


async def sync_pairs(ctx: JobContext, now: datetime, *, dry_run: bool = False) -> PairsPlan:
    """Gather and (unless dry-run) apply."""
    plan = await gather(ctx, now.date())
    if not dry_run:
        apply(ctx, plan, now)
    return plan


def planned_views(ctx: JobContext, plan: PairsPlan, now: datetime) -> list[PairingView]:
    """Unsaved pairings for the joiners and movers in ``plan`` (what a dry run would create)."""
    policy = ctx.settings.cadence_policy()
    people = {p.id: p for p in plan.people}
    out = []
    for n, action in enumerate(plan.actions):
        spec = action.spec
        if action.kind not in ("join", "move") or spec is None:
            continue
        cadence = choose_cadence(spec, policy, now.date())
        persons = []
        for person in (spec.manager, spec.report):
            info = people.get(person.id)
            persons.append(PersonRecord(id=person.id, email=person.email, name=person.name,
                                        hire_date=person.hire_date, active=True, seen_at=now,
                                        manages_others=bool(info and info.manages_others)))
        pairing = PairingRecord(id=-(n + 1), key=spec.key, manager_id=spec.manager.id,
                                report_id=spec.report.id, status=PairingStatus.ACTIVE,
                                cadence=str(cadence.kind), minutes=cadence.minutes,
                                cadence_reason=cadence.reason, source=spec.source, note="",
                                created_at=now, updated_at=now, end_reason="")
        out.append(PairingView(pairing, persons[0], persons[1], None))
    return out


def describe_actions(actions: Sequence[PairAction]) -> list[tuple[str, str, str, str]]:
    """(manager, report, what happens, why) rows for `onetoone pairs`."""
    rows: list[tuple[str, str, str, str]] = []
    for a in actions:
        manager = a.spec.manager.name if a.spec else (a.current.manager_id if a.current else "")
        report = a.spec.report.name if a.spec else (a.current.report_id if a.current else "")
        rows.append((manager, report, a.kind, a.reason))
    return rows

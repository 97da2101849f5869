"""Who manages others, for the cadence of their own 1-2-1 with their manager (the
guidance's "managers upwards at least every 2 weeks"): someone with a report who has
started, or whose last report went lately (the vacancy kept: ``cadence.vacancy_until``).

A report whose account was made ahead of their first day (Entra's employeeHireDate to
come) is paired at once, so that their first 1-2-1 is on that day, but counts towards their
manager managing others only from it: the manager's own cadence changing ends her series
(each meeting to come cancelled) to book one at the new cadence, which weeks before anyone
reports to her, or for a hire that falls through, the rule is not for. On the first day a
sync gathers anyway (each day is part of what a quiet sync depends on) and re-cadences. A
report who never started leaves no vacancy behind either (see
``Store.last_reports_ended``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from service.domain.cadence import between_reports
from service.domain.directory import yet_to_start
from service.domain.events import DirectoryUser
from service.domain.pairing import CurrentPairing
from service.domain.policy import CadencePolicy
from service.jobs.context import JobContext


def managing_others(ctx: JobContext, reports_of: Mapping[str, Collection[str]],
                    current: Iterable[CurrentPairing], users: Mapping[str, DirectoryUser],
                    zones: Mapping[str, str | None], not_people: Collection[str],
                    policy: CadencePolicy, now: datetime) -> tuple[set[str], dict[str, date]]:
    """Who counts as managing others (by id), and of them those with nobody reporting to
    them now, by the day their last report went. ``reports_of``: who reports to whom by the
    sources; ``current``: the live pairings before this sync; ``users``: the users the
    sources list, by id, with ``zones``, the stored mailbox zones of those hired lately."""
    current = list(current)
    # A pair whose report the sources no longer list (a hire deleted before the first day)
    # is judged by the stored person.
    gone = {c.report_id for c in current if c.report_id not in users}
    stored = ctx.store.people(gone).values() if gone else ()
    waiting = yet_to_start([*((u.id, u.hired_at, zones.get(u.id)) for u in users.values()),
                            *((p.id, p.hired_at, p.time_zone) for p in stored)], now)
    # Counted so already (the release before counted a report from the day their account
    # appeared): with only hires to come, she stays so until the first of them starts, or
    # the hire falls through, rather than be re-cadenced back and forth again.
    counted = {c.report_id for c in current
               if not c.ended and "manages others" in c.cadence_reason}
    manages = {manager_id for manager_id, under in reports_of.items()
               if set(under) - waiting or (under and manager_id in counted)}
    # Someone whose last report left or moved away keeps the manager's cadence a while
    # (cadence.vacancy_until): a pairing of theirs as manager live until this sync ends it,
    # or ended lately (not a shared mailbox's: never a report). Found from the pairings,
    # which that end writes, so a run killed midway decides the same again, and the day it
    # runs out a sync gathers (its quiet mark holds for one day) and re-cadences.
    last = {pid: at.astimezone(UTC).date() for pid, at in ctx.store.last_reports_ended(
        now - timedelta(days=policy.new_starter_days + 1), not_people).items()}
    last.update((c.manager_id, now.date()) for c in current
                if c.report_id not in not_people and c.report_id not in waiting)
    vacant = between_reports(last, manages, policy, now.date())
    return manages | vacant.keys(), vacant

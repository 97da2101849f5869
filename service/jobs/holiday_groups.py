"""Who is in each [holidays.groups] group, whose public holidays are that group's region.

Read from the directory only by a step with a meeting to judge (the absence check, a rebook
offer or pick), and at most once a run: the steps share the answer through the run's
``JobContext``. Every step must judge a person by the same region, or the absence step
would move a meeting off a holiday that a rebook offer then proposes.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from service.domain.absence import holiday_calendar
from service.domain.records import PairingView
from service.errors import NotFound, PermissionDenied
from service.jobs.context import JobContext

log = logging.getLogger(__name__)


async def holiday_groups(ctx: JobContext, failed: list[str] | None) -> dict[str, set[str]]:
    """Members (user ids) of each group with a holiday override; {} when none is set.

    A group that no longer exists (deleted, expired, an id from elsewhere), or whose members
    onetoone may not read (a role-assignable or hidden-membership group, a consent withdrawn),
    has no members: its override applies to nobody, and every other meeting is still judged.
    The failure names the group, so the setting or the permission gets fixed: it is added to
    ``failed``, once a run (None: a step with no report keeps it for the next that has one).
    Other errors (throttled, a 5xx) propagate: the caller's meetings wait for the next run.
    """
    if not ctx.settings.holidays.groups:
        return {}
    if ctx.holiday_groups is None:
        members: dict[str, set[str]] = {}
        problems: list[str] = []
        for group_id, _code in ctx.settings.holidays.groups:
            try:
                users = await ctx.graph.list_users(group_id=group_id, with_managers=False)
            except NotFound as exc:
                problems.append(f"[holidays.groups] {group_id}: no such group ({exc})")
                log.warning("absences.holiday_group_missing", extra={"group": group_id})
                users = []
            except PermissionDenied as exc:
                problems.append(
                    f"[holidays.groups] {group_id}: members not readable ({exc}); grant the "
                    "app GroupMember.Read.All, or remove the group from [holidays.groups]")
                log.warning("absences.holiday_group_denied", extra={"group": group_id})
                users = []
            members[group_id] = {u.id for u in users}
        ctx.holiday_groups = (members, problems)
    members, problems = ctx.holiday_groups
    if failed is not None:
        failed.extend(problems)
        problems.clear()
    return members


def public_holidays(ctx: JobContext, view: PairingView, first: date, last: date,
                    groups: dict[str, set[str]]) -> set[date]:
    """Both people's public holidays in the window and a day either side (its days are the
    manager's: New York's Monday 16:30 is Tuesday in Sydney), each of their own region
    ([holidays], as the absence step reads it): a Bavarian report in a group set to DE-BY is
    offered no time on Epiphany, and is not kept off England's bank holidays."""
    cfg = getattr(ctx.settings, "holidays", None)
    if cfg is None:
        return set()
    first, last = first - timedelta(days=1), last + timedelta(days=1)  # (as leave days are)
    years = range(first.year, last.year + 1)
    days: set[date] = set()
    for person in (view.manager, view.report):
        code = cfg.code_for(person.email,
                            frozenset(g for g, ids in groups.items() if person.id in ids))
        if code:
            days |= {d for d in holiday_calendar(code, years).days if first <= d <= last}
    return days

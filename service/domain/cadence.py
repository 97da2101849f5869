"""How often a pair meets, and the Outlook recurrence that says so.

The guidance (seeds 001, 003, 004): managers of others meet at least fortnightly, other
staff at least monthly, new starters more often, and "increase regularity where additional
support is required". Per-group overrides are how an organisation says that, so they only
ever raise a report's cadence above what their role gets; a per-pair override (pairs file)
is the admin's word for one pair and is taken as given.

Everything here is pure: ``today`` is an argument, nothing reads the clock.

Weekend rule: the patterns built here always keep the weekday they are given (weekly,
fortnightly, and *relative* monthly "second Tuesday"), never "day 14 of the month", so a
series never drifts onto a Saturday or Sunday. Which weekdays may be chosen at all is the
slot chooser's job (``SlotPolicy.weekdays``), so a weekend only appears when the policy
allows it.
"""

from __future__ import annotations

import calendar
import difflib
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from service.domain.model import (
    WEEK_INDEXES,
    WEEKDAYS,
    Cadence,
    CadenceKind,
    PairSpec,
    Person,
    Slot,
)
from service.domain.policy import CadencePolicy
from service.domain.records import PairingRecord, PersonRecord
from service.domain.timezones import local_date

# More frequent first: used to keep the guidance's minimums when a configured new-starter
# cadence, or a group's, is rarer than the report's role would get anyway.
_FREQUENCY = {CadenceKind.WEEKLY: 0, CadenceKind.FORTNIGHTLY: 1, CadenceKind.MONTHLY: 2}


def _more_frequent(a: CadenceKind, b: CadenceKind) -> CadenceKind:
    return a if _FREQUENCY[a] <= _FREQUENCY[b] else b


# -- a cadence written another way ---------------------------------------------------------

# Words people use for a cadence, keyed as _cadence_key spells them: the one they mean.
# "biweekly" closest-matches "weekly" by spelling but means every two weeks, so a spelling
# match alone would suggest doubling the meetings. Shared by the pairs file and the config,
# so both suggest the same cadence for the same word.
_CADENCE_SYNONYMS = {
    **dict.fromkeys(["week", "every week", "once a week", "per week", "1 weekly"], "weekly"),
    **dict.fromkeys(["biweekly", "bi weekly", "every two weeks", "every 2 weeks",
                     "every other week", "fortnight", "2 weekly", "two weekly",
                     "semimonthly", "semi monthly", "twice a month", "twice monthly"],
                    "fortnightly"),
    **dict.fromkeys(["month", "every month", "once a month", "per month", "1 monthly"],
                    "monthly"),
}


def _cadence_key(text: str) -> str:
    """``text`` lower-cased with runs of spaces, hyphens and underscores as one space."""
    return re.sub(r"[\s_-]+", " ", text.lower()).strip()


def cadence_hint(text: str) -> str:
    """" Did you mean X?" (with its leading space) for ``text`` that is not a cadence's
    name, by what the word means before how it is spelt; "" when nothing is close."""
    key = _cadence_key(text)
    if key in _CADENCE_SYNONYMS:
        return f" Did you mean {_CADENCE_SYNONYMS[key]}?"
    if key in ("bimonthly", "bi monthly"):
        # Twice a month or every two months: the spelling match (monthly) may be wrong.
        return (" 'bimonthly' can mean twice a month (fortnightly) or every two months "
                "(not offered; monthly is the longest).")
    close = difflib.get_close_matches(key, [kind.value for kind in CadenceKind], n=1)
    return f" Did you mean {close[0]}?" if close else ""


# -- choosing the cadence -----------------------------------------------------------------

# A group override's reason names the group by its directory id, for the admin.
GROUP_OVERRIDE = "override for group "
_GROUP_ID = re.compile(re.escape(GROUP_OVERRIDE) + r"[^;]*")
# A group override rarer than the report's role asks, so not used: the admin reads it in
# the pair's reason (`onetoone pairs`), and new_starter_change reads the group's cadence
# back from it. The pair is never told of it (reason_for_the_pair): it changed nothing.
_NOT_LOWERED = re.compile(r"; not lowered to (weekly|fortnightly|monthly) by the "
                          + re.escape(GROUP_OVERRIDE) + r"[^;]*")


def is_new_starter(report: Person, policy: CadencePolicy, today: date) -> bool:
    """Hired at most ``policy.new_starter_days`` days ago (inclusive), or not started yet."""
    if report.hire_date is None:
        return False
    return (today - report.hire_date).days <= policy.new_starter_days


def new_starter_until(report: Person, policy: CadencePolicy) -> date | None:
    """The first day the report is no longer a new starter (None without a hire date).

    Hired exactly ``new_starter_days`` ago still counts as new, so this is the day after
    that: ``hire_date + new_starter_days + 1``. From this date ``choose_cadence`` gives the
    role's cadence instead, so the scheduler can plan the change (``new_starter_change``).
    """
    return _until(report.hire_date, policy)


def _until(hire_date: date | None, policy: CadencePolicy) -> date | None:
    return None if hire_date is None else hire_date + timedelta(days=policy.new_starter_days + 1)


# How choose_cadence's reason starts when the new-starter rule chose the cadence.
NEW_STARTER = "new starter"


@dataclass(frozen=True)
class CadenceChange:
    """A cadence change known in advance: from ``on``, the pair meets at ``kind``."""

    on: date
    kind: CadenceKind


def new_starter_change(pairing: PairingRecord, report: PersonRecord, policy: CadencePolicy
                       ) -> CadenceChange | None:
    """The change a new starter's pair will have when their new-starter days end, for a
    pairing whose cadence the new-starter rule gave (its reason says so); None for any
    other pairing, or when the role's cadence is the same.

    Known on the day the pair is booked, so the series can be planned to change then (a
    weekly series ending the day before, a follow-on at the role's cadence), rather than
    ended then by cancelling each of its weekly meetings to come. The role's cadence is the
    one ``_role_cadence`` gives once the report is no longer new, raised by a group override
    the new-starter rule kept from lowering it (the reason names the group's cadence): a
    support group at fortnightly takes over from weekly then, not monthly. A pair override
    or a group as frequent as the new-starter rule chooses the cadence itself, so nothing
    changes at that date. (A report who starts or stops managing others meanwhile changes
    it: see its callers.)
    """
    on = _until(report.hire_date, policy)
    if on is None or not pairing.cadence_reason.startswith(NEW_STARTER):
        return None
    kind = CadenceKind(policy.manager_of_others if report.manages_others else policy.default)
    return _change(pairing, on, kind)


def _change(pairing: PairingRecord, on: date, kind: CadenceKind) -> CadenceChange | None:
    """The change to ``kind`` on ``on``, raised by a group override kept from lowering the
    pair's cadence now (the reason names the group's); None when that is no change."""
    if group := _NOT_LOWERED.search(pairing.cadence_reason):
        kind = _more_frequent(CadenceKind(group[1]), kind)
    return None if kind == CadenceKind(pairing.cadence) else CadenceChange(on, kind)


def known_change(pairing: PairingRecord, report: PersonRecord, policy: CadencePolicy
                 ) -> CadenceChange | None:
    """The cadence change a pairing has planned on a day known when it is booked: a new
    starter's weeks ending (``new_starter_change``), or a vacancy's grace running out
    (``vacancy_change``); None for any other pairing.

    The scheduler books the series to end the day before and its follow-on at the new
    cadence from then, so that day changes nothing in Outlook: no meeting is cancelled."""
    return new_starter_change(pairing, report, policy) or vacancy_change(pairing, policy)


# -- a manager between reports -------------------------------------------------------------


def vacancy_until(since: date, policy: CadencePolicy) -> date:
    """The first day someone whose last report left (or moved away) on ``since`` no longer
    counts as managing others, if nobody has come to report to them by then.

    A team lead whose only report leaves is still a manager while the post is vacant (the
    guidance's fortnightly cadence is for the role), and re-cadencing at once would book
    them monthly with a new manager they moved to meanwhile, then end that series (each
    meeting to come cancelled) when the replacement arrives weeks later. (A series that
    meets more often is kept to its end: ``stale.steps_down``.) So the manager's cadence is
    kept for ``new_starter_days`` (90 by default) after the last report went: about the
    time a post takes to fill (recruitment and the new person's notice), and the policy's
    own measure of how long a change in a team counts as new. One monthly interval would
    end most vacancies with two changes instead of none; the cost of keeping it longer is
    one meeting a month more than the minimum for someone who no longer manages, never
    fewer. ``new_starter_days = 0`` re-cadences at once, as before."""
    return since + timedelta(days=policy.new_starter_days)


def between_reports(last_report: Mapping[str, date], manages: AbstractSet[str],
                    policy: CadencePolicy, today: date) -> dict[str, date]:
    """Who still counts as managing others though nobody reports to them now (not in
    ``manages``): by id, the day their last report went (``last_report``: the day each
    person last had a report as a manager), for those whose ``vacancy_until`` is after
    ``today``."""
    return {pid: since for pid, since in last_report.items()
            if pid not in manages and today < vacancy_until(since, policy)}


# How a vacancy's grace shows in the reason (see _role_cadence), read back by vacancy_change.
_KEPT_UNTIL = re.compile(r"; kept until (\d{4}-\d{2}-\d{2})\)")


def vacancy_change(pairing: PairingRecord, policy: CadencePolicy) -> CadenceChange | None:
    """The change a lead's pair will have when the grace of their vacancy runs out, for a
    pairing whose manager cadence that grace keeps (its reason says until when); None for
    any other pairing.

    Known when the pair is booked, as a new starter's weeks are: should nobody come to
    report to them by then, the pair meets at ``default_cadence`` (or a group's cadence
    the grace kept from lowering it) from that day. Should someone come, the pairs sync
    drops the grace from the reason and the pair stays at the manager's cadence: the
    follow-on planned for the change is then replaced before it begins (see stale)."""
    kept = _KEPT_UNTIL.search(pairing.cadence_reason)
    if kept is None or pairing.cadence_reason.startswith(NEW_STARTER):
        return None
    return _change(pairing, date.fromisoformat(kept[1]), CadenceKind(policy.default))


def _role_cadence(spec: PairSpec, policy: CadencePolicy, today: date) -> tuple[CadenceKind, str]:
    """New starter > manages others > default, never rarer than the role's minimum."""
    report = spec.report
    floor, floor_reason = (
        (policy.manager_of_others, "manages others")
        if spec.report_manages_others
        else (policy.default, "default")
    )
    since = spec.report_vacant_since
    vacancy = ("" if since is None or not spec.report_manages_others else
               f" (nobody has reported to them since {since.isoformat()}; kept until "
               f"{vacancy_until(since, policy).isoformat()})")
    hired = report.hire_date
    if hired is not None and is_new_starter(report, policy, today):
        if hired > today:
            why = f"{NEW_STARTER} (starts {hired.isoformat()})"
        else:
            why = (f"{NEW_STARTER} (hired {hired.isoformat()}, "
                   f"within {policy.new_starter_days} days)")
        kind = _more_frequent(policy.new_starter, floor)
        if kind != policy.new_starter:
            why += f"; {floor_reason} needs at least {kind}"
        return kind, why
    return floor, floor_reason + vacancy


def report_today(spec: PairSpec, now: datetime) -> date:
    """The day it is for the report where they work (UTC's with no zone known): their
    new-starter days end at midnight there, as their first day began there."""
    return local_date(now, spec.report.time_zone)


def choose_cadence(spec: PairSpec, policy: CadencePolicy, today: date) -> Cadence:
    """The cadence for a pair, with the rule that chose it.

    A per-pair override (pairs file) is taken as given: the admin's word for one pair.
    Otherwise the role gives the cadence (new starter > manages others > default, see
    ``_role_cadence``) and a group override (the first of the policy's groups the report
    is in) raises it: the group's cadence when it is at least as frequent, else the role's,
    with the reason saying the group's was not used. The guidance's cadences are minimums
    and a group is how an organisation meets more often where support is needed, so a
    "support" group at fortnightly must not take a new starter off weekly, nor a monthly
    group a manager of others below fortnightly. Minutes come from the per-pair override,
    else the policy.
    """
    minutes = spec.minutes or policy.minutes
    where = "pairs file" if spec.source.startswith("file") else "per-pair"
    if spec.cadence is not None:
        return Cadence(kind=CadenceKind(spec.cadence), minutes=minutes,
                       reason=f"{where} override")
    kind, reason = _role_cadence(spec, policy, today)
    for group_id, group_cadence in policy.group_overrides:
        if group_id in spec.report.groups:
            group_kind = CadenceKind(group_cadence)
            if _more_frequent(group_kind, kind) == group_kind:
                kind, reason = group_kind, f"{GROUP_OVERRIDE}{group_id}"
            else:
                reason += f"; not lowered to {group_kind} by the {GROUP_OVERRIDE}{group_id}"
            break
    if spec.minutes:
        reason += f"; {where} override of minutes"
    return Cadence(kind=kind, minutes=minutes, reason=reason)


def by_pair_override(reason: str) -> bool:
    """Whether a cadence ``reason`` says a per-pair override (pairs file) chose it."""
    return reason.startswith(("pairs file override", "per-pair override"))


def reason_for_the_pair(reason: str) -> str:
    """A cadence ``reason`` as the pair may be told it (a cancelled series' meetings say
    why): a group override without the group's directory id, which means nothing to the
    report and which anyone in the directory can look up (a group for people needing
    support says more than a 1-2-1 invite should), and nothing of a group override that
    was not used (the role's cadence was more frequent). The rest of it stands."""
    return _GROUP_ID.sub("override for one of their groups", _NOT_LOWERED.sub("", reason))


# -- month arithmetic ---------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamping the day of month (Jan 31 + 1 → Feb 28/29)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


# -- series range: created far ahead, extended in steps -------------------------------------


def series_end_date(start: date, months_ahead: int, extend_months: int) -> date:
    """The range end of a new series: ``months_ahead + extend_months`` months after start.

    The extra ``extend_months`` is headroom, so the first extension (one organizer update
    the attendee sees) comes only after ``extend_months``.
    """
    return add_months(start, months_ahead + extend_months)


def needs_extension(range_end: date, today: date, months_ahead: int) -> bool:
    """True when fewer than ``months_ahead`` months of the series remain.

    Exactly ``months_ahead`` months left is still enough (the guidance's "at least six
    months ahead" holds), so no update is sent that day.
    """
    return range_end < add_months(today, months_ahead)


# -- the Graph recurrence -----------------------------------------------------------------


def week_index_of(day: date) -> str:
    """Which weekday of its month ``day`` is: "first".."fourth", or "last" for a fifth."""
    return WEEK_INDEXES[min((day.day - 1) // 7, 4)]


def recurrence_for(cadence: CadenceKind, slot: Slot, end_date: date) -> dict[str, Any]:
    """Graph's ``patternedRecurrence`` for a series in ``slot`` ending on ``end_date``.

    Weekly/fortnightly: ``weekly`` with interval 1/2. Monthly: ``relativeMonthly`` on the
    slot's ``week_index`` weekday (derived from ``first_date`` if the slot has none). The
    range starts on ``slot.first_date`` (the first occurrence, so a fortnightly series'
    weeks are fixed by it) in the slot's own time zone.
    """
    kind = CadenceKind(cadence)
    day_name = WEEKDAYS[slot.weekday]
    pattern: dict[str, Any]
    if kind is CadenceKind.MONTHLY:
        pattern = {
            "type": "relativeMonthly",
            "interval": 1,
            "daysOfWeek": [day_name],
            "index": slot.week_index or week_index_of(slot.first_date),
        }
    else:
        pattern = {
            "type": "weekly",
            "interval": 2 if kind is CadenceKind.FORTNIGHTLY else 1,
            "daysOfWeek": [day_name],
            "firstDayOfWeek": "monday",
        }
    return {
        "pattern": pattern,
        "range": {
            "type": "endDate",
            "startDate": slot.first_date.isoformat(),
            "endDate": end_date.isoformat(),
            "recurrenceTimeZone": slot.time_zone,
        },
    }


def nth_weekday(year: int, month: int, weekday: int, week_index: str) -> date:
    """The ``week_index`` ("first".."fourth", "last") ``weekday`` of a month."""
    if week_index == "last":
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    return first + timedelta(weeks=WEEK_INDEXES.index(week_index))


def first_occurrence_on_or_after(
    cadence: CadenceKind, weekday: int, week_index: str | None, day: date
) -> date:
    """The first date on or after ``day`` that matches the pattern.

    Weekly and fortnightly: the next ``weekday`` (``day`` itself if it matches). A
    fortnightly series' weeks are then fixed by that first date. Monthly: the
    ``week_index`` ``weekday`` of ``day``'s month if not already past, else next month's.
    """
    if CadenceKind(cadence) is not CadenceKind.MONTHLY:
        return day + timedelta(days=(weekday - day.weekday()) % 7)
    if week_index is None:
        raise ValueError("a monthly pattern needs a week_index")
    candidate = nth_weekday(day.year, day.month, weekday, week_index)
    if candidate >= day:
        return candidate
    nxt = add_months(day.replace(day=1), 1)
    return nth_weekday(nxt.year, nxt.month, weekday, week_index)

"""Cadence rules, the Graph recurrence they produce, and series range arithmetic."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.cadence import (
    CadenceChange,
    add_months,
    between_reports,
    choose_cadence,
    first_occurrence_on_or_after,
    known_change,
    needs_extension,
    new_starter_change,
    new_starter_until,
    reason_for_the_pair,
    recurrence_for,
    series_end_date,
    vacancy_until,
)
from service.domain.model import WEEK_INDEXES, CadenceKind, PairSpec, Person, Slot
from service.domain.policy import CadencePolicy
from service.domain.records import PairingRecord, PersonRecord
from tests.support.graph_schema import assert_valid

TODAY = date(2026, 10, 1)
POLICY = CadencePolicy()
MANAGER = Person(id="m", email="m@example.com", name="Manager")


def spec(hire: date | None = None, *, manages: bool = False, groups: frozenset[str] = frozenset(),
         cadence: CadenceKind | None = None, minutes: int | None = None,
         source: str = "directory") -> PairSpec:
    report = Person(id="r", email="r@example.com", name="Report", hire_date=hire, groups=groups)
    return PairSpec(manager=MANAGER, report=report, report_manages_others=manages,
                    cadence=cadence, minutes=minutes, source=source)


# -- choose_cadence -----------------------------------------------------------------------


def test_default_is_monthly() -> None:
    """A long-standing report who manages nobody meets monthly for the policy's minutes."""
    c = choose_cadence(spec(date(2020, 1, 1)), POLICY, TODAY)
    assert (c.kind, c.minutes, c.reason) == (CadenceKind.MONTHLY, 30, "default")


def test_no_hire_date_is_not_a_new_starter() -> None:
    """Without a hire date the report gets the role's cadence."""
    assert choose_cadence(spec(None), POLICY, TODAY).kind is CadenceKind.MONTHLY


def test_manager_of_others_is_fortnightly() -> None:
    """A report who manages others meets at least fortnightly."""
    c = choose_cadence(spec(date(2020, 1, 1), manages=True), POLICY, TODAY)
    assert (c.kind, c.reason) == (CadenceKind.FORTNIGHTLY, "manages others")


@pytest.mark.parametrize(("days_ago", "new"), [(89, True), (90, True), (91, False)])
def test_new_starter_boundary(days_ago: int, new: bool) -> None:
    """Hired 89 or exactly 90 days ago is still a new starter (weekly); 91 days is not."""
    hired = TODAY - timedelta(days=days_ago)
    c = choose_cadence(spec(hired), POLICY, TODAY)
    assert c.kind is (CadenceKind.WEEKLY if new else CadenceKind.MONTHLY)
    if new:
        assert c.reason == f"new starter (hired {hired.isoformat()}, within 90 days)"


def test_future_hire_date_is_a_new_starter() -> None:
    """Someone who has not started yet counts as a new starter."""
    c = choose_cadence(spec(TODAY + timedelta(days=10)), POLICY, TODAY)
    assert c.kind is CadenceKind.WEEKLY
    assert "starts 2026-10-11" in c.reason


def test_new_starter_beats_manages_others() -> None:
    """A new starter who manages others gets the new-starter cadence."""
    c = choose_cadence(spec(TODAY - timedelta(days=5), manages=True), POLICY, TODAY)
    assert c.kind is CadenceKind.WEEKLY


def test_rare_new_starter_setting_keeps_the_role_minimum() -> None:
    """A configured new-starter cadence rarer than the role's never undercuts the guidance."""
    policy = CadencePolicy(new_starter=CadenceKind.MONTHLY)
    c = choose_cadence(spec(TODAY - timedelta(days=5), manages=True), policy, TODAY)
    assert c.kind is CadenceKind.FORTNIGHTLY
    assert c.reason.startswith("new starter") and "manages others" in c.reason


def test_group_override_first_matching_in_policy_order() -> None:
    """The first policy group the report belongs to decides, in the policy's order."""
    policy = CadencePolicy(group_overrides=(("g-ops", CadenceKind.FORTNIGHTLY),
                                            ("g-sales", CadenceKind.WEEKLY)))
    c = choose_cadence(spec(date(2020, 1, 1), groups=frozenset({"g-sales", "g-ops"})),
                       policy, TODAY)
    assert (c.kind, c.reason) == (CadenceKind.FORTNIGHTLY, "override for group g-ops")


def test_the_pair_is_told_a_group_override_without_the_group_id() -> None:
    """The reason a cancelled series gives the report: no directory id; the rest stands."""
    policy = CadencePolicy(group_overrides=(("1d0c-support", CadenceKind.WEEKLY),))
    c = choose_cadence(spec(date(2020, 1, 1), groups=frozenset({"1d0c-support"}),
                            minutes=45, source="file pairs.csv:3"), policy, TODAY)
    told = reason_for_the_pair(c.reason)
    assert "1d0c-support" in c.reason and "1d0c-support" not in told
    assert told == "override for one of their groups; pairs file override of minutes"
    assert reason_for_the_pair("new starter (hired 2026-09-04, within 90 days)") == (
        "new starter (hired 2026-09-04, within 90 days)")


def test_group_override_raises_new_starter_and_role() -> None:
    """A group override more frequent than the report's role, or as frequent, chooses the
    cadence: a weekly group raises a manager of others, and names itself when it equals a
    new starter's weekly."""
    policy = CadencePolicy(group_overrides=(("g", CadenceKind.WEEKLY),))
    c = choose_cadence(spec(date(2020, 1, 1), manages=True, groups=frozenset({"g"})),
                       policy, TODAY)
    assert (c.kind, c.reason) == (CadenceKind.WEEKLY, "override for group g")
    c = choose_cadence(spec(TODAY, groups=frozenset({"g"})), policy, TODAY)
    assert (c.kind, c.reason) == (CadenceKind.WEEKLY, "override for group g")


@pytest.mark.parametrize(("hired", "manages", "group", "expected", "role"), [
    (TODAY, True, CadenceKind.MONTHLY, CadenceKind.WEEKLY, "new starter"),
    (TODAY, False, CadenceKind.FORTNIGHTLY, CadenceKind.WEEKLY, "new starter"),
    (date(2020, 1, 1), True, CadenceKind.MONTHLY, CadenceKind.FORTNIGHTLY, "manages others"),
])
def test_group_override_never_lowers_the_roles_cadence(
        hired: date, manages: bool, group: CadenceKind, expected: CadenceKind,
        role: str) -> None:
    """A group rarer than the report's role (seed 003: managers of others at least every 2
    weeks; new starters more often) is not used: the role's cadence stands, and the reason
    says the group's was not used, for the admin only."""
    policy = CadencePolicy(group_overrides=(("g", group),))
    c = choose_cadence(spec(hired, manages=manages, groups=frozenset({"g"})), policy, TODAY)
    assert c.kind is expected
    assert c.reason.startswith(role)
    assert c.reason.endswith(f"; not lowered to {group} by the override for group g")
    told = reason_for_the_pair(c.reason)
    assert told.startswith(role) and "group" not in told and "lowered" not in told


def test_a_group_not_used_still_names_a_minutes_override() -> None:
    """The reason keeps the pairs file's length after the unused group's words, and the
    pair is told of the length, not of the group."""
    policy = CadencePolicy(group_overrides=(("g", CadenceKind.MONTHLY),))
    c = choose_cadence(spec(date(2020, 1, 1), manages=True, groups=frozenset({"g"}),
                            minutes=45, source="file pairs.csv:3"), policy, TODAY)
    assert (c.kind, c.minutes) == (CadenceKind.FORTNIGHTLY, 45)
    assert c.reason == ("manages others; not lowered to monthly by the override for group g; "
                        "pairs file override of minutes")
    assert reason_for_the_pair(c.reason) == "manages others; pairs file override of minutes"


def test_pair_override_beats_everything() -> None:
    """A per-pair cadence (pairs file) wins over group, new starter and role."""
    policy = CadencePolicy(group_overrides=(("g", CadenceKind.WEEKLY),))
    c = choose_cadence(spec(TODAY, manages=True, groups=frozenset({"g"}),
                            cadence=CadenceKind.MONTHLY, minutes=45, source="file pairs.csv:3"),
                       policy, TODAY)
    assert (c.kind, c.minutes, c.reason) == (CadenceKind.MONTHLY, 45, "pairs file override")


def test_minutes_override_alone_keeps_rule_cadence() -> None:
    """A per-pair length without a cadence keeps the rule's cadence and says so."""
    c = choose_cadence(spec(date(2020, 1, 1), manages=True, minutes=45, source="file x:2"),
                       POLICY, TODAY)
    assert (c.kind, c.minutes) == (CadenceKind.FORTNIGHTLY, 45)
    assert "manages others" in c.reason and "minutes" in c.reason


def test_new_starter_until_is_first_day_out_of_the_window() -> None:
    """new_starter_until is the first day choose_cadence no longer treats them as new."""
    hired = date(2026, 7, 1)
    s = spec(hired)
    until = new_starter_until(s.report, POLICY)
    assert until == hired + timedelta(days=91)
    assert choose_cadence(s, POLICY, until - timedelta(days=1)).kind is CadenceKind.WEEKLY
    assert choose_cadence(s, POLICY, until).kind is CadenceKind.MONTHLY
    assert new_starter_until(spec(None).report, POLICY) is None


@pytest.mark.parametrize(("manages", "hired", "policy_kind", "expected"), [
    (False, date(2026, 8, 1), None, CadenceKind.MONTHLY),
    (True, date(2026, 8, 1), None, CadenceKind.FORTNIGHTLY),
    (False, date(2026, 11, 1), None, CadenceKind.MONTHLY),  # not started yet
    # A support group at fortnightly: weekly while new, then the group's, not monthly.
    (False, date(2026, 8, 1), CadenceKind.FORTNIGHTLY, CadenceKind.FORTNIGHTLY),
    (False, date(2026, 8, 1), CadenceKind.WEEKLY, None),  # a pairs-file override
    (False, None, None, None),
])
def test_new_starter_change_is_the_roles_cadence_from_the_day_after_the_window(
        manages: bool, hired: date | None, policy_kind: CadenceKind | None,
        expected: CadenceKind | None) -> None:
    """The change choose_cadence makes when a new starter's days end, known in advance:
    the day it makes it and the cadence from then (None where the new-starter rule did not
    choose the cadence, so nothing changes then)."""
    s = spec(hired, manages=manages, cadence=policy_kind if policy_kind is CadenceKind.WEEKLY
             else None, groups=frozenset({"g"}) if policy_kind is CadenceKind.FORTNIGHTLY
             else frozenset())
    policy = replace(POLICY, group_overrides=(("g", CadenceKind.FORTNIGHTLY),))
    now = choose_cadence(s, policy, TODAY)
    pairing = PairingRecord(key="k", manager_id="m", report_id="r", cadence=str(now.kind),
                            minutes=now.minutes, cadence_reason=now.reason)
    report = PersonRecord(id="r", email="r@example.com", name="Report",
                          hired_at=datetime.combine(hired, time(), UTC) if hired else None,
                          manages_others=manages)
    change = new_starter_change(pairing, report, policy)
    if expected is None:
        assert change is None
        return
    assert change is not None and change.kind is expected
    assert change.on == new_starter_until(s.report, policy)
    assert choose_cadence(s, policy, change.on).kind is expected
    assert choose_cadence(s, policy, change.on - timedelta(days=1)).kind is now.kind


def test_no_new_starter_change_when_the_roles_cadence_is_as_often() -> None:
    """A new-starter cadence no more frequent than the role's changes nothing at the end."""
    policy = replace(POLICY, new_starter=CadenceKind.FORTNIGHTLY)
    s = spec(date(2026, 9, 1), manages=True)
    now = choose_cadence(s, policy, TODAY)
    pairing = PairingRecord(key="k", manager_id="m", report_id="r", cadence=str(now.kind),
                            minutes=now.minutes, cadence_reason=now.reason)
    report = PersonRecord(id="r", email="r@example.com", name="Report",
                          hired_at=datetime(2026, 9, 1, tzinfo=UTC), manages_others=True)
    assert now.reason.startswith("new starter")
    assert new_starter_change(pairing, report, policy) is None


# -- recurrence_for -----------------------------------------------------------------------


def slot(weekday: int = 1, first: date = date(2026, 10, 13), index: str | None = None) -> Slot:
    return Slot(weekday=weekday, start=time(10, 0), time_zone="Europe/London",
                first_date=first, week_index=index)


def test_weekly_recurrence_shape() -> None:
    """Weekly cadence is Graph's weekly pattern, interval 1, with an end-dated range."""
    rec = recurrence_for(CadenceKind.WEEKLY, slot(), date(2027, 7, 13))
    assert rec == {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"],
                    "firstDayOfWeek": "monday"},
        "range": {"type": "endDate", "startDate": "2026-10-13", "endDate": "2027-07-13",
                  "recurrenceTimeZone": "Europe/London"},
    }


def test_fortnightly_recurrence_is_weekly_interval_two() -> None:
    """Fortnightly cadence is a weekly pattern with interval 2."""
    rec = recurrence_for(CadenceKind.FORTNIGHTLY, slot(), date(2027, 7, 13))
    assert rec["pattern"]["type"] == "weekly" and rec["pattern"]["interval"] == 2


def test_monthly_recurrence_is_relative_monthly() -> None:
    """Monthly cadence is relativeMonthly on the slot's week index (second Tuesday)."""
    rec = recurrence_for(CadenceKind.MONTHLY, slot(index="second"), date(2027, 7, 13))
    assert rec["pattern"] == {"type": "relativeMonthly", "interval": 1,
                              "daysOfWeek": ["tuesday"], "index": "second"}


def test_monthly_without_index_derives_it_from_first_date() -> None:
    """A monthly slot without week_index uses which Tuesday its first date is."""
    rec = recurrence_for(CadenceKind.MONTHLY, slot(first=date(2026, 10, 20)), date(2027, 1, 1))
    assert rec["pattern"]["index"] == "third"
    # A fifth Tuesday (29 Dec) is the month's last: Outlook has no "fifth", and "fourth"
    # would put the first meeting a week before the day chosen.
    rec = recurrence_for(CadenceKind.MONTHLY, slot(first=date(2026, 12, 29)), date(2027, 7, 1))
    assert rec["pattern"]["index"] == "last"
    rec = recurrence_for(CadenceKind.MONTHLY, slot(first=date(2026, 12, 22)), date(2027, 7, 1))
    assert rec["pattern"]["index"] == "fourth"


@pytest.mark.parametrize("kind", list(CadenceKind))
def test_recurrence_keys_are_graph_property_names(kind: CadenceKind) -> None:
    """The recurrence uses exactly Graph's patternedRecurrence property names and enums."""
    rec = recurrence_for(kind, slot(index="second"), date(2027, 4, 13))
    assert set(rec) == {"pattern", "range"}
    assert set(rec["range"]) == {"type", "startDate", "endDate", "recurrenceTimeZone"}
    expected = {"type", "interval", "daysOfWeek"} | (
        {"index"} if kind is CadenceKind.MONTHLY else {"firstDayOfWeek"})
    assert set(rec["pattern"]) == expected
    # Graph's published schema: no unknown properties, enums and date formats valid.
    assert_valid("POST /users/{user-id}/events", {"subject": "x", "recurrence": rec})


# -- month arithmetic and series range ---------------------------------------------------


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 5, 31), 9, date(2027, 2, 28)),
])
def test_add_months_clamps_day(start: date, months: int, expected: date) -> None:
    """Adding months keeps the day of month, clamped to the month's last day (Jan 31 + 1)."""
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 1, 1)),
       st.integers(min_value=-240, max_value=240))
def test_add_months_properties(day: date, months: int) -> None:
    """add_months lands in the right month, never past the original day, and 0 is identity."""
    out = add_months(day, months)
    assert (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
    assert out.day <= day.day
    assert add_months(day, 0) == day


def test_series_end_date_reaches_months_ahead_plus_extension() -> None:
    """A new series runs months_ahead + extend_months months from its first date."""
    assert series_end_date(date(2026, 1, 31), 6, 3) == date(2026, 10, 31)
    assert series_end_date(date(2026, 5, 31), 6, 3) == date(2027, 2, 28)


def test_needs_extension_boundaries() -> None:
    """Extension is due only when fewer than months_ahead months remain."""
    today = date(2026, 3, 10)
    assert not needs_extension(date(2026, 9, 11), today, 6)
    assert not needs_extension(date(2026, 9, 10), today, 6)  # exactly six months left
    assert needs_extension(date(2026, 9, 9), today, 6)


def test_a_follow_on_runs_as_long_as_a_new_series_from_its_first_meeting() -> None:
    """Booked once fewer than months_ahead months of the series are left (three months into
    a new one), a follow-on runs months_ahead + extend_months from its own first meeting,
    as a new series does: the report gets a series' invitation every nine months, not one
    every extend_months; the calendars then hold the 1-2-1s up to 15 months ahead."""
    from service.domain.records import SeriesRecord
    from service.jobs.schedule import follow_on

    first = date(2026, 1, 15)  # a Thursday
    end = series_end_date(first, 6, 3)
    booked = next(first + timedelta(days=n) for n in range(400)
                  if needs_extension(end, first + timedelta(days=n), 6))
    assert (end, booked) == (date(2026, 10, 15), date(2026, 4, 16))
    now = datetime(2026, 4, 16, 9, 0, tzinfo=UTC)
    old = SeriesRecord(id=7, pairing_id=1, mailbox="m", transaction_id="t", status="active",
                       cadence="weekly", minutes=30, weekday=3, start_time="10:00",
                       time_zone="Europe/London", first_date=first, range_end=end,
                       created_at=now, updated_at=now)
    new = follow_on(old, now, 6, 3, "p-1")
    assert new.first_date == date(2026, 10, 22)
    assert new.range_end == series_end_date(new.first_date, 6, 3) == date(2027, 7, 22)
    # Itself extended once fewer than six months of it are left: three months after it starts.
    assert not needs_extension(new.range_end, date(2027, 1, 22), 6)
    assert needs_extension(new.range_end, date(2027, 1, 23), 6)


# -- first occurrence ---------------------------------------------------------------------


def test_first_weekly_occurrence() -> None:
    """Weekly: the day itself when it matches, else the next such weekday."""
    assert first_occurrence_on_or_after(CadenceKind.WEEKLY, 1, None, date(2026, 10, 13)) == (
        date(2026, 10, 13))
    assert first_occurrence_on_or_after(CadenceKind.FORTNIGHTLY, 1, None,
                                        date(2026, 10, 14)) == date(2026, 10, 20)


def test_first_monthly_occurrence_this_or_next_month() -> None:
    """Monthly: this month's N-th weekday if not past, else next month's."""
    assert first_occurrence_on_or_after(CadenceKind.MONTHLY, 1, "second",
                                        date(2026, 10, 1)) == date(2026, 10, 13)
    assert first_occurrence_on_or_after(CadenceKind.MONTHLY, 1, "second",
                                        date(2026, 10, 13)) == date(2026, 10, 13)
    assert first_occurrence_on_or_after(CadenceKind.MONTHLY, 1, "second",
                                        date(2026, 10, 14)) == date(2026, 11, 10)
    assert first_occurrence_on_or_after(CadenceKind.MONTHLY, 4, "last",
                                        date(2026, 12, 26)) == date(2027, 1, 29)


@given(st.sampled_from(list(CadenceKind)), st.integers(0, 4), st.sampled_from(WEEK_INDEXES[:4]),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_first_occurrence_matches_pattern(kind: CadenceKind, weekday: int, index: str,
                                          day: date) -> None:
    """The first occurrence is on/after the day, on the (week)day and in the right week."""
    out = first_occurrence_on_or_after(kind, weekday, index, day)
    assert out >= day and out.weekday() == weekday
    assert out.weekday() < 5
    if kind is CadenceKind.MONTHLY:
        assert (out.day - 1) // 7 == WEEK_INDEXES.index(index)
        assert out - day < timedelta(days=63)
    else:
        assert out - day < timedelta(days=7)


def test_a_follow_on_never_ends_before_it_starts() -> None:
    """With the shortest horizon (one month ahead, extended by one), a monthly series' next
    slot can lie past the usual new end: the follow-on then runs from it as a new series
    would, never with an end date before its start (which Graph refuses)."""
    from datetime import UTC, date, datetime

    from service.domain.records import SeriesRecord
    from service.jobs.schedule import follow_on

    now = datetime(2027, 2, 11, 9, 0, tzinfo=UTC)
    old = SeriesRecord(id=7, pairing_id=1, mailbox="m", transaction_id="t", status="active",
                       cadence="monthly", minutes=30, weekday=2, week_index="second",
                       start_time="10:00", time_zone="Europe/London",
                       first_date=date(2027, 1, 13), range_end=date(2027, 3, 10),
                       created_at=now, updated_at=now)
    new = follow_on(old, now, 1, 1, "p-1")
    assert new.first_date == date(2027, 4, 14)
    assert new.range_end >= new.first_date
    assert new.range_end == date(2027, 6, 14)


def test_a_lead_between_reports_counts_as_a_manager_for_new_starter_days() -> None:
    """Nobody reports to Lee since 15 Dec: a manager of others to 14 Mar (90 days), not from
    15 Mar; someone who has reports now, or whose last one went long ago, is not listed."""
    gone = date(2026, 12, 15)
    assert vacancy_until(gone, POLICY) == date(2027, 3, 15)
    last = {"lee": gone, "mia": gone, "old": date(2026, 1, 1)}
    assert between_reports(last, {"mia"}, POLICY, date(2027, 3, 14)) == {"lee": gone}
    assert between_reports(last, {"mia"}, POLICY, date(2027, 3, 15)) == {}
    assert between_reports(last, set(), replace(POLICY, new_starter_days=0), gone) == {}


def test_the_reason_says_the_cadence_is_kept_for_a_vacancy() -> None:
    """The reason names the day the last report went and the day it runs out."""
    kept = replace(spec(manages=True), report_vacant_since=date(2026, 12, 15))
    cadence = choose_cadence(kept, POLICY, date(2027, 1, 1))
    assert cadence.kind == CadenceKind.FORTNIGHTLY
    assert cadence.reason == ("manages others (nobody has reported to them since 2026-12-15; "
                              "kept until 2027-03-15)")


def test_a_vacancys_end_is_a_change_known_when_the_pair_is_booked() -> None:
    """The reason's "kept until" day is when the pair turns to default_cadence (or a group's
    the grace kept from lowering it, if more often); no grace, a pairs-file line or a new
    starter's reason plan no such change."""
    kept = replace(spec(manages=True), report_vacant_since=date(2026, 12, 15))
    report = PersonRecord(id="r", email="r@example.com", name="Report")

    def pairing(cadence) -> PairingRecord:
        return PairingRecord(id=1, key="p-1", manager_id="m", report_id="r", status="active",
                             cadence=str(cadence.kind), minutes=30,
                             cadence_reason=cadence.reason)

    lead = pairing(choose_cadence(kept, POLICY, date(2027, 1, 1)))
    assert known_change(lead, report, POLICY) == CadenceChange(date(2027, 3, 15),
                                                               CadenceKind.MONTHLY)
    grouped = replace(POLICY, group_overrides=(("g1", "monthly"),))
    in_group = pairing(choose_cadence(replace(kept, report=replace(
        kept.report, groups=frozenset({"g1"}))), grouped, date(2027, 1, 1)))
    assert known_change(in_group, report, grouped) == CadenceChange(date(2027, 3, 15),
                                                                    CadenceKind.MONTHLY)
    assert known_change(pairing(choose_cadence(spec(manages=True), POLICY, TODAY)), report,
                        POLICY) is None
    assert known_change(pairing(choose_cadence(replace(
        kept, cadence=CadenceKind.FORTNIGHTLY), POLICY, TODAY)), report, POLICY) is None

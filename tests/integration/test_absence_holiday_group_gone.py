"""A [holidays.groups] entry whose group is gone from Entra ID (deleted by hand, or by a
Microsoft 365 group expiry policy; or an id pasted from another tenant) has no members: its
override applies to nobody. It must not stop every other meeting's absence check, or nobody's
meeting moves off Christmas Day, for want of a group that only changes a few people's
holidays. The same holds for a group whose members onetoone may not read (403: a
hidden-membership group, GroupMember.Read.All not granted)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_absences import (
    absences_at,
    before_christmas_check,
    org,
    settings_at,
)

GONE = "99999999-8888-7777-6666-555555555555"


def test_a_holiday_group_gone_or_unreadable_stops_no_move(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gone.db'}"
    tenant = org()
    hidden = tenant.add_group("Northern Ireland office")["id"]
    settings = settings_at(tmp_path, db, groups=((GONE, "GB-SCT"), (hidden, "GB-NIR")))
    now = before_christmas_check(settings, tenant)
    tenant.inject_fault("GET", f"/groups/{hidden}/", 403, times=50)
    report = absences_at(settings, tenant, now)
    # The four Christmas Day meetings move as without the override (England for all)...
    assert len(report.moved) == 4, report.failed
    assert all("Christmas Day (England)" in m for m in report.moved)
    # ... and each group is named with what to do, so the setting or the grant gets fixed.
    assert any(GONE in f and "no such group" in f for f in report.failed)
    assert any(hidden in f and "GroupMember.Read.All" in f for f in report.failed)

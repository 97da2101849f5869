"""A [holidays.groups] entry whose group is gone from Entra ID (deleted by hand, or by a
Microsoft 365 group expiry policy; or an id pasted from another tenant) has no members: its
override applies to nobody. It must not stop every other meeting's absence check, or nobody's
meeting moves off Christmas Day, for want of a group that only changes a few people's
holidays."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_absences import (
    absences_at,
    before_christmas_check,
    org,
    settings_at,
)

GONE = "99999999-8888-7777-6666-555555555555"


def test_a_holiday_group_that_no_longer_exists_stops_no_move(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gone.db'}"
    settings = settings_at(tmp_path, db, groups=((GONE, "GB-SCT"),))
    tenant = org()
    report = absences_at(settings, tenant, before_christmas_check(settings, tenant))
    # The four Christmas Day meetings move as without the override (England for all)...
    assert len(report.moved) == 4, report.failed
    assert all("Christmas Day (England)" in m for m in report.moved)
    # ... and the missing group is named, so the setting gets fixed.
    assert any(GONE in f for f in report.failed)

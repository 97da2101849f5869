"""A hire date some HR systems write for "not known" (0001-01-01, .NET's unset date; or
9999-12-31, "open") is no first day: read as no hire date, it neither makes the pair wait
for year 9999 nor, as it did, stops the schedule step for the whole organisation (the date
arithmetic of a joiner's first weeks overflowed, and no pair got a series)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.domain.directory import directory_user
from service.graph import wire
from tests.integration.test_schedule_job import NOW, org, run


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z",
                                         "2026-13-01T00:00:00Z", "2026-02-30",
                                         "not a date"])
def test_a_placeholder_hire_date_does_not_stop_everyones_series(settings, placeholder
                                                                ) -> None:
    tenant = org()
    tenant.add_user("Old Boss", "old@contoso.example", hire_date=placeholder)
    tenant.add_user("Una Dated", "una@contoso.example", manager="old@contoso.example")
    result = run(settings, tenant, NOW)
    assert result.failed_steps == [] and result.schedule.failed == []
    assert len(result.schedule.created) == 7  # the org's six pairs, and Old Boss & Una
    assert "Old Boss & Una Dated" in result.schedule.created


@pytest.mark.parametrize("placeholder", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z",
                                         "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                                         "2026-02-28T25:00:00Z", "not a date"])
def test_a_placeholder_hire_date_reads_as_none(placeholder: str) -> None:
    assert directory_user("u1", {"mail": "a@x.example", "hire_date": placeholder}
                          ).hired_at is None
    assert wire.user({"id": "u1", "mail": "a@x.example", "employeeHireDate": placeholder},
                     None).hired_at is None
    real = "2026-09-04T00:00:00Z"
    at = datetime(2026, 9, 4, tzinfo=UTC)
    assert directory_user("u1", {"hire_date": real}).hired_at == at
    assert wire.user({"id": "u1", "employeeHireDate": real}, None).hired_at == at


def test_a_defect_reading_one_managers_inputs_fails_only_their_pairs(settings, monkeypatch
                                                                      ) -> None:
    """Whatever else an unforeseen datum breaks while a manager's inputs are read, only
    that manager's pairs fail (named, the traceback logged); the others are booked."""
    from service.jobs import series_create

    real = series_create.not_before

    def breaks_for_old_boss(manager, report):
        if manager.email == "old@contoso.example":
            raise OverflowError("date value out of range")
        return real(manager, report)

    monkeypatch.setattr(series_create, "not_before", breaks_for_old_boss)
    tenant = org()
    tenant.add_user("Old Boss", "old@contoso.example")
    tenant.add_user("Una Dated", "una@contoso.example", manager="old@contoso.example")
    result = run(settings, tenant, NOW)
    assert result.failed_steps == []
    assert len(result.schedule.created) == 6 and "Old Boss & Una Dated" not in (
        result.schedule.created)
    assert [f.split(":")[0] for f in result.schedule.failed] == ["Old Boss & Una Dated"]
    assert "OverflowError" in result.schedule.failed[0]

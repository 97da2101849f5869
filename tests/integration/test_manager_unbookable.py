"""A report whose manager in the directory is a disabled account (a leaver nobody replaced
yet) or a guest gets no 1-2-1: onetoone can't book one in such a mailbox. That is said (tick
and `pairs` output, a `pairs.warning` log line), naming the people, as for someone recorded
as their own manager: not left for HR to notice that the report silently has no 1-2-1s."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from service.sandbox import SandboxTenant
from tests.integration.test_directory_delta import NOW
from tests.integration.test_directory_shapes import CEO, sync

DAN, GUS = "dan@contoso.example", "gus@partner.example"
ROB, IVY, OLA = "rob@contoso.example", "ivy@contoso.example", "ola@contoso.example"


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def _org() -> SandboxTenant:
    tenant = SandboxTenant(seed="unbookable-managers", now=lambda: NOW)
    tenant.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    tenant.add_user("Dan Left", DAN, manager=CEO, hire_date=date(2016, 1, 1), enabled=False)
    tenant.add_user("Rob Report", ROB, manager=DAN, hire_date=date(2020, 1, 1))
    tenant.add_user("Gus Guest", GUS, manager=CEO, hire_date=date(2016, 1, 1),
                    user_type="Guest")
    tenant.add_user("Ivy Report", IVY, manager=GUS, hire_date=date(2020, 1, 1))
    tenant.add_user("Ola Fine", OLA, manager=CEO, hire_date=date(2020, 1, 1))
    return tenant


def test_reports_of_a_disabled_or_guest_manager_are_named(
        settings, caplog: pytest.LogCaptureFixture) -> None:
    tenant = _org()
    with caplog.at_level(logging.WARNING, logger="service.jobs.pairs"):
        plan = sync(settings, tenant)
    paired = {a.spec.report.email for a in plan.actions if a.spec is not None}
    assert paired == {OLA}  # the others can't be booked; the rest of the org is
    disabled = [w for w in plan.warnings if DAN in w]
    guest = [w for w in plan.warnings if GUS in w]
    assert disabled and ROB in disabled[0] and "disabled" in disabled[0], plan.warnings
    assert guest and IVY in guest[0] and "guest" in guest[0], plan.warnings
    logged = [r.warning for r in caplog.records if r.getMessage() == "pairs.warning"]
    assert logged == plan.warnings

    # Said on every sync until the directory is fixed, the quiet ones too (nothing changed
    # in the directory since), as the run after it shows it again.
    for _ in range(2):  # the second one finds nothing changed: a quiet sync
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="service.jobs.pairs"):
            again = sync(settings, tenant)
        assert any(DAN in w and ROB in w for w in again.warnings), again.warnings
        assert any(r.getMessage() == "pairs.warning" and DAN in r.warning
                   for r in caplog.records)
    assert any(r.getMessage() == "pairs.unchanged" for r in caplog.records)

    tenant.set_manager(ROB, CEO)
    tenant.set_manager(IVY, CEO)
    fixed = sync(settings, tenant)
    assert not [w for w in fixed.warnings if DAN in w or GUS in w]
    assert {a.spec.report.email for a in fixed.actions if a.kind == "join"} == {ROB, IVY}

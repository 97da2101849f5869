"""A notes read-back Exchange refuses for one manager's mailbox (an application access
policy, RBAC for Applications) is said in `tick`'s failures with the pair, the meeting's day
and the manager's address. Graph's path, and so its error, names the mailbox by the directory
id, which tells an admin nothing; the line said only that id."""

from __future__ import annotations

from tests.integration.test_mail import Scenario


def test_a_refused_read_back_names_the_managers_address_not_her_directory_id(
        tmp_path, settings_for) -> None:
    scenario = Scenario(settings_for(f"sqlite:///{tmp_path / 'named.db'}"))
    mia = scenario.rob.manager
    scenario.tenant.inject_fault(
        "GET", rf"/users/{mia.id}/(events|calendarView)", 403, times=200,
        code="ErrorAccessDenied", message="Access to OData is disabled.")
    failed = scenario.after_meeting().capture.failed
    assert len(failed) == 1, failed
    line = failed[0]
    assert line.startswith(f"{mia.name} & {scenario.rob.report.name} "
                           f"{scenario.occ.start:%Y-%m-%d} ({mia.email}'s calendar): ")
    assert mia.id.lower() not in line.lower()
    assert "Access to OData is disabled." in line  # Graph's own words stay

"""Someone who is still here but no longer paired by onetoone (added to [pairs] exclude, or
taken out of the [pairs] group) has their 1-2-1 series ended; the cancellation their report
(or they) receive says why, and must not say that they, or their manager, left."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from tests.integration.test_schedule_job import NOW, org, run


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def reasons(result) -> list[str]:
    return [a.reason for a in result.pairs.actions if a.kind in ("leave", "unpaired")]


@pytest.mark.parametrize("who", ["rob@contoso.example", "max@contoso.example"])
def test_an_excluded_person_is_not_said_to_have_left(settings, who: str) -> None:
    """Rob (a report) or Max (Zed's manager) is added to [pairs] exclude."""
    tenant = org()
    run(settings, tenant, NOW)
    excluded = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, exclude=(who,)))
    result = run(excluded, tenant, NOW + timedelta(days=1))
    said = reasons(result)
    assert said, "nothing ended"
    assert not any("left" in r for r in said), said
    assert not any("left" in r for r in result.schedule.ended), result.schedule.ended
    told = [m for box in ("rob@contoso.example", "zed@contoso.example")
            for m in tenant.meeting_messages(box, "cancel")]
    assert told and not any("left" in str(m.get("body")) for m in told)


def test_a_disabled_report_still_left(settings) -> None:
    tenant = org()
    run(settings, tenant, NOW)
    tenant.disable_user("rob@contoso.example")
    result = run(settings, tenant, NOW + timedelta(days=1))
    assert reasons(result) == ["Rob Report left or was disabled"]


def test_with_a_pairs_file_an_excluded_or_disabled_person_is_said_as_such(
        settings, tmp_path) -> None:
    """With a pairs file as the only source, the admin adds Rob to [pairs] exclude (his line
    stays in the file), and Max's account is disabled (his line is skipped until HR takes
    it out). Neither pair is "no longer paired in pairs.csv": both are still listed there,
    and that reason goes to the report in the cancellation."""
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("manager,report\nmia@contoso.example,rob@contoso.example\n"
                     "mia@contoso.example,nia@contoso.example\n"
                     "max@contoso.example,zed@contoso.example\n")
    filed = dataclasses.replace(settings, pairs=dataclasses.replace(
        settings.pairs, source="file", file=pairs))
    tenant = org()
    run(filed, tenant, NOW)
    tenant.disable_user("max@contoso.example")
    excluded = dataclasses.replace(filed, pairs=dataclasses.replace(
        filed.pairs, exclude=("rob@contoso.example",)))
    result = run(excluded, tenant, NOW + timedelta(days=1))
    assert sorted(reasons(result)) == [
        "Rob Report is no longer in scope for automatic 1-2-1s",
        "manager Max Lead left and Zed Junior has no new manager"], reasons(result)
    told = [m for box in ("rob@contoso.example", "zed@contoso.example")
            for m in tenant.meeting_messages(box, "cancel")]
    assert told and not any("pairs.csv" in str(m.get("body")) for m in told)

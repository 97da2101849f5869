"""A change of [policy] cadence re-books every pair it touches in one run (each series'
meetings to come cancelled one by one, a new series created and mailed to every report):
the admin is warned by the sync, not left to find out from the reports."""
from __future__ import annotations

from datetime import timedelta

from tests.integration.test_schedule_job import NOW, org, run


def test_policy_change_that_rebooks_many_pairs_is_warned(db_url, settings_for) -> None:
    tenant = org()
    run(settings_for(db_url), tenant, NOW)
    result = run(settings_for(db_url, default_cadence="fortnightly"), tenant,
                 NOW + timedelta(days=2))
    assert len(result.schedule.ended) == 3  # every monthly pair is re-booked at once
    said = " ".join(result.pairs.warnings + result.schedule.warnings)
    assert "3 pairs change cadence or length" in said, said

"""A manager deleted with their mailbox shortly after a 1-2-1 was held (a leaver whose
account goes at once): the meeting's notes, already read back, can never be read again. The
pair ends, and the ticks after it must not fail on that mailbox for ever (every tick exit 1,
an error logged per meeting, for months)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain.status import PairingStatus
from tests.integration.test_deleted_organizer import MAX, NOW, ROB, max_series, org, run


@pytest.fixture
def settings(db_url, settings_for):
    return settings_for(db_url)


def failures(result) -> list[str]:
    return [*result.occurrences.failed, *result.capture.failed, *result.failed_steps]


def test_notes_of_a_deleted_manager_are_not_read_again_for_ever(settings) -> None:
    tenant = org()
    run(settings, tenant, NOW)
    _pairing, [series] = max_series(settings)
    first = series.first_date
    # Ticks over the first meeting: it is held and its notes read back (then, as on every
    # meeting, a re-read is due a day later and at the end of the recapture window).
    day = NOW.replace(year=first.year, month=first.month, day=first.day, hour=6)
    read_back = []
    for hours in (0, 20, 48):
        result = run(settings, tenant, day + timedelta(hours=hours))
        assert failures(result) == []
        read_back += result.capture.held + result.capture.without_notes
    assert read_back, "no meeting was held and read back before Max left"
    # Max leaves: his account and mailbox are deleted the same week.
    tenant.remove_user(MAX)
    later = day + timedelta(days=3)
    run(settings, tenant, later)  # the pair ends (the series' meetings to come go)
    assert max_series(settings)[0].status == PairingStatus.ENDED
    for week in range(1, 6):
        result = run(settings, tenant, later + timedelta(days=7 * week, hours=1))
        assert failures(result) == [], (week, failures(result))
    assert tenant.find_user(ROB)

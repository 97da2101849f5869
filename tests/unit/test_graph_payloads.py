"""Every body onetoone sends to Graph is one Graph v1.0 accepts (Microsoft's own schemas)."""

from __future__ import annotations

from datetime import date, time

import pytest

from service.domain.cadence import recurrence_for
from service.domain.model import CadenceKind, Slot
from service.graph.payloads import (
    PAIRING_PROPERTY,
    recurrence_patch,
    series_event,
    transaction_id,
)
from tests.support.graph_schema import assert_valid

SLOT = Slot(weekday=1, start=time(10, 30), time_zone="Europe/London",
            first_date=date(2026, 12, 8), week_index="second")


def event(teams: bool = True, kind: CadenceKind = CadenceKind.MONTHLY) -> dict:
    return series_event(
        subject="1-2-1: Sam Lee & Alex Kim", body_html="<p>hello</p>", slot=SLOT, minutes=30,
        recurrence=recurrence_for(kind, SLOT, date(2027, 9, 8)), report_email="alex@x.test",
        report_name="Alex Kim", pairing_key="p-abc", txn=transaction_id("p-abc", SLOT, kind),
        teams=teams,
    )


@pytest.mark.parametrize("kind", list(CadenceKind))
def test_series_event_matches_graph_schema(kind: CadenceKind) -> None:
    """The series POST body uses only Graph's property names and valid enum values."""
    assert_valid("POST /users/{user-id}/events", event(kind=kind))


def test_series_event_shape() -> None:
    """Times are local wall-clock in a Windows zone; the report is a required attendee."""
    body = event()
    assert body["start"] == {"dateTime": "2026-12-08T10:30:00", "timeZone": "GMT Standard Time"}
    assert body["end"]["dateTime"] == "2026-12-08T11:00:00"
    assert body["recurrence"]["range"]["recurrenceTimeZone"] == "GMT Standard Time"
    assert body["attendees"] == [{"emailAddress": {"address": "alex@x.test", "name": "Alex Kim"},
                                  "type": "required"}]
    assert body["singleValueExtendedProperties"] == [{"id": PAIRING_PROPERTY, "value": "p-abc"}]
    assert body["onlineMeetingProvider"] == "teamsForBusiness"
    assert "isOnlineMeeting" not in event(teams=False)


def test_transaction_id_is_deterministic_per_series() -> None:
    """A retried create reuses the transactionId; a different slot gets a new one."""
    kind = CadenceKind.MONTHLY
    assert transaction_id("p-1", SLOT, kind) == transaction_id("p-1", SLOT, kind)
    other = Slot(weekday=2, start=time(11, 0), time_zone="Europe/London",
                 first_date=date(2026, 12, 9), week_index="second")
    assert transaction_id("p-1", other, kind) != transaction_id("p-1", SLOT, kind)
    assert transaction_id("p-2", SLOT, kind) != transaction_id("p-1", SLOT, kind)
    # A pair re-booked at a new cadence from the same first date, time and zone (a report
    # becoming a manager of others) is a new series: with the old id, Exchange would hand
    # back the old series instead of creating it.
    assert transaction_id("p-1", SLOT, CadenceKind.FORTNIGHTLY) != transaction_id(
        "p-1", SLOT, kind)


def test_recurrence_patch_matches_graph_schema() -> None:
    """Extending or ending a series sends a valid recurrence-only PATCH."""
    body = recurrence_patch(recurrence_for(CadenceKind.WEEKLY, SLOT, date(2027, 6, 1)),
                            "America/New_York")
    assert_valid("PATCH /users/{user-id}/events/{event-id}", body)
    assert body["recurrence"]["range"]["recurrenceTimeZone"] == "Eastern Standard Time"


def test_schema_checker_catches_unknown_property() -> None:
    """The checker itself rejects a property Graph doesn't have (it can fail)."""
    body = event()
    body["attendees"][0]["emailAdress"] = {}
    with pytest.raises(AssertionError, match="emailAdress"):
        assert_valid("POST /users/{user-id}/events", body)
    with pytest.raises(AssertionError):
        assert_valid("POST /users/{user-id}/events", {**event(), "showAs": "sometimes"})


def test_get_schedule_body_matches_action_parameters() -> None:
    """getSchedule's body uses the action's parameters."""
    assert_valid("POST /users/{user-id}/calendar/getSchedule", {
        "schedules": ["a@x.test"],
        "startTime": {"dateTime": "2026-11-23T00:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2026-12-23T00:00:00", "timeZone": "UTC"},
        "availabilityViewInterval": 30,
    })

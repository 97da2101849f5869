"""Someone made their former manager's manager (Eve reported to Fay; now Fay reports to
Eve): the new pair is booked on the run that sees the change. Eve's calendar still holds her
copy of onetoone's old series of the two, organised by Fay, its meetings to come cancelled
but its range running for months; that copy carries no onetoone tag (Graph gives an
attendee's copy none of the organizer's extended properties), and must not be taken for a
1-2-1 Fay organises herself, which would leave Eve and Fay without one until it runs out.
Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from service.domain.status import PairingStatus
from service.sandbox import SandboxTenant
from service.sandbox.occurrences import calendar_items
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_schedule_job import NOW, run, series_in

CEO, FAY, EVE, IAN = ("ceo@contoso.example", "fay@contoso.example", "eve@contoso.example",
                      "ian@contoso.example")


def _org(seed: str) -> SandboxTenant:
    """The CEO manages Fay, who manages Eve, who manages Ian."""
    t = SandboxTenant(seed=seed, now=lambda: NOW)
    t.add_user("Ceo Boss", CEO, hire_date=date(2015, 1, 1))
    t.add_user("Fay Former", FAY, manager=CEO, hire_date=date(2018, 1, 1))
    t.add_user("Eve Riser", EVE, manager=FAY, hire_date=date(2019, 1, 1))
    t.add_user("Ian Junior", IAN, manager=EVE, hire_date=date(2020, 1, 1))
    return t


def test_a_report_promoted_over_their_manager_is_booked_with_them(settings_for,
                                                                   db_url) -> None:
    """Eve, promoted over Fay, gets a series with Fay at once, not 'their own series'."""
    db = db_url
    settings = settings_for(db)
    t = _org("promoted-over-manager")
    run(settings, t, NOW)
    run(settings, t, NOW + timedelta(days=7))
    old = [s for s in series_in(t, FAY) if "Eve" in s["subject"]]
    assert len(old) == 1, "Fay's series with Eve was not booked"
    t.set_manager(EVE, CEO)
    t.set_manager(FAY, EVE)
    at = NOW + timedelta(days=14)
    run(settings, t, at)
    run(settings, t, at + timedelta(days=1))

    # The scenario as Graph has it: Eve's copy of the old series, untagged, still a live
    # master (only its meetings to come are cancelled).
    copies = [e for e in t.events(EVE) if e.get("iCalUId") == old[0]["iCalUId"]
              and e.get("type") == "seriesMaster"]
    assert copies and not copies[0].get("isCancelled")
    assert not copies[0].get("singleValueExtendedProperties")

    store = Store(make_engine(db))
    view = {(v.manager.email, v.report.email): v for v in store.views()}[(EVE, FAY)]
    assert view.pairing.status == PairingStatus.ACTIVE, view.pairing.note
    assert view.series is not None and view.series.status == "active"
    new = [s for s in series_in(t, EVE) if s["id"] == view.series.event_id]
    assert new and "Fay" in new[0]["subject"]
    # (Fay counts as managing others through her vacancy's grace: the pair may meet on a
    # fortnightly series until then, with the default cadence's follow-on booked after it.)
    meeting_on = {s.event_id for s in store.pairing_series(view.pairing.id)
                  if s.status in ("active", "superseded")}
    ahead = [e for e in calendar_items(t, t.user(EVE)["id"], at, at + timedelta(days=42))
             if e.get("seriesMasterId") in meeting_on and not e.get("isCancelled")]
    assert ahead, "Eve and Fay have no meeting of the new series in the next six weeks"

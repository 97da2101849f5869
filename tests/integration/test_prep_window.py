"""Prep mails read only the pairs that may have a meeting in the prep window: the series
whose stored due instant (store/due.py) is before its end or not worked out, and those with
a meeting stored in it. A pair left out is one with no meeting there, so nothing is lost."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import update

from service.store.models import SeriesRow
from tests.integration.test_mail_queue_cost import _queue
from tests.integration.test_mail_replies import NIA, PREP_DAY, ROB, World


def _world(url: str, settings_for) -> World:
    world = World(settings_for(url))
    world.settings = dataclasses.replace(world.settings, mail=dataclasses.replace(
        world.settings.mail, prep_email=True))
    return world


def _series_due(world: World, email: str, at) -> None:
    view = world.view(email)
    with world.store.session() as s, s.begin():
        s.execute(update(SeriesRow).where(SeriesRow.pairing_id == view.pairing.id)
                  .values(next_due_at=at))


def test_a_pair_whose_next_meeting_is_past_the_window_is_not_read(db_url, settings_for
                                                                    ) -> None:
    world = _world(db_url, settings_for)
    # As the sync leaves it when Rob's next unsettled meeting is weeks away.
    _series_due(world, ROB, PREP_DAY + timedelta(days=40))
    queued, seen = _queue(world.settings, world.tenant, world.store, PREP_DAY)
    assert not any(ROB.split("@")[0].title() in q for q in queued), queued
    series_reads = [s for s in seen if "series.next_due_at <" in s]
    assert series_reads, seen  # the window's pairs are found by the due instant's index

    # Its due instant not worked out (as after any write to the series or its meetings):
    # read again, and the mail goes.
    _series_due(world, ROB, None)
    queued, _ = _queue(world.settings, world.tenant, world.store, PREP_DAY)
    assert [q for q in queued if q.startswith("prep Rob")], queued


def test_the_filter_loses_no_prep_mail(tmp_path, settings_for) -> None:
    """With the due instants the sync stored, the same prep mails are queued as when every
    pair is read."""
    world = _world(f"sqlite:///{tmp_path / 'w.db'}", settings_for)
    queued, _ = _queue(world.settings, world.tenant, world.store, PREP_DAY)
    filtered = sorted(queued)
    assert any(q.startswith("prep Rob") for q in filtered), filtered

    other = _world(f"sqlite:///{tmp_path / 'all.db'}", settings_for)
    for email in (ROB, NIA):
        _series_due(other, email, None)  # nothing known: every pair is read
    queued, _ = _queue(other.settings, other.tenant, other.store, PREP_DAY)
    assert sorted(queued) == filtered


def test_a_meeting_moved_out_of_the_window_gets_its_prep_mail_at_its_new_time(
        db_url, settings_for) -> None:
    """Rob's 1 December meeting was moved (by onetoone off a holiday, or in Outlook) to two
    weeks later, and is stored so: no prep mail names 1 December; one goes before the new
    date instead."""
    from service.domain.series import occurrences

    world = _world(db_url, settings_for)
    series = world.view(ROB).series
    assert series is not None
    start, end = occurrences(series, PREP_DAY, PREP_DAY + timedelta(days=10))[0]
    later = timedelta(days=14)
    world.store.upsert_occurrences(series.id, [{
        "event_id": "moved-rob", "original_start": start, "start": start + later,
        "end": end + later, "status": "moved"}], PREP_DAY - timedelta(days=1))
    queued, _ = _queue(world.settings, world.tenant, world.store, PREP_DAY)
    assert not [q for q in queued if q.startswith("prep Rob")], queued
    queued, _ = _queue(world.settings, world.tenant, world.store, PREP_DAY + later)
    assert [q for q in queued if q.startswith("prep Rob")] == [
        f"prep Rob Report {start + later:%Y-%m-%d}"], queued


def test_the_window_read_holds_the_same_meetings_over_many_series(db_url, settings_for
                                                                  ) -> None:
    """With more series than one statement takes (read in chunks), the window's own
    meetings and those moved out of it by their slot come back once each, as with few."""
    from service.domain.series import occurrences
    from service.store.base import CHUNK

    world = _world(db_url, settings_for)
    series = world.view(ROB).series
    assert series is not None
    start, end = occurrences(series, PREP_DAY, PREP_DAY + timedelta(days=10))[0]
    world.store.upsert_occurrences(series.id, [{
        "event_id": "moved-rob", "original_start": start, "start": start + timedelta(days=14),
        "end": end + timedelta(days=14), "status": "moved"}], PREP_DAY)
    lo, hi = PREP_DAY, PREP_DAY + timedelta(days=10)
    few = world.store.occurrences_between(lo, hi, slots_of=[series.id])
    many = world.store.occurrences_between(
        lo, hi, slots_of=[*range(10_000_000, 10_000_000 + CHUNK + 7), series.id])
    assert [o.id for o in many] == [o.id for o in few]
    assert "moved-rob" in [o.event_id for o in many]

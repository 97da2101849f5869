"""A long absence noted before the upgrade to migration 0035 (its note in the outbox under
the key of its first day, no absence_notes row: 0035 creates the table empty) is kept by the
first run after it that checks a meeting inside it, its note adopted: edited afterwards, it
is the same absence (no second note), and made to end later, the manager gets her short
update. (Before, the note's key being queued already failed the whole write, the span
with it, on every run.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from service.domain.model import CadenceKind
from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_absence_leave_edited import _edit, _ids, _notes, org
from tests.integration.test_absence_long_leave import ROB, START, _run, _skipped_in


def _upgraded_walk(tmp: Path, leave: tuple[date, date], until: datetime,
                   edit: tuple[datetime, Callable[[SandboxTenant], None]]) -> Store:
    """Bea manages Mia, who manages Rob; fortnightly Friday 1-2-1s; Rob books ``leave`` a
    few days in; a run every 12 h up to ``until``. Once the note has gone, the release is
    upgraded (absence_notes left empty, the outbox as it was); ``edit`` is made after."""
    db = f"sqlite:///{tmp / 'upgraded.db'}"
    settings = make_settings(tmp, db, default_cadence=CadenceKind.FORTNIGHTLY,
                             weekdays=("friday",))
    tenant = org()
    now, upgraded, edited = START, False, False
    while now < until:
        if now == START + timedelta(days=3):
            tenant.add_absence(ROB, *leave)
        if not upgraded and _notes(Store(make_engine(db))):
            with make_engine(db).begin() as c:
                c.execute(text("DELETE FROM absence_notes"))
            upgraded = True
        if upgraded and not edited and now >= edit[0]:
            edit[1](tenant)
            edited = True
        _run(settings, tenant, now)
        now += timedelta(hours=12)
    assert upgraded and edited
    return Store(make_engine(db))


def test_absence_noted_before_the_upgrade_is_adopted_and_not_noted_again(
        tmp_path: Path) -> None:
    """Rob's leave, 22 Feb – 19 Mar, noted before the upgrade; moved after it to start on
    15 Feb: the 12 Mar meeting inside it sends no second note, and its span is kept."""
    store = _upgraded_walk(tmp_path, (date(2027, 2, 22), date(2027, 3, 19)),
                           datetime(2027, 3, 13, tzinfo=UTC),
                           (datetime(2027, 2, 27, 6, tzinfo=UTC),
                            _edit(date(2027, 2, 15), date(2027, 3, 19))))
    assert _skipped_in(store, date(2027, 2, 15), date(2027, 3, 19)) == ["skipped"] * 2
    [note] = _notes(store)
    assert note.subject == "1-2-1s during Rob Report's absence (22 Feb 2027 – 19 Mar 2027)"
    [noted] = store.noted_absences(*_ids(store))
    assert noted.key == note.key  # the note sent before the upgrade names it
    assert (noted.first, noted.last) == (date(2027, 2, 15), date(2027, 3, 19))


def test_absence_noted_before_the_upgrade_made_longer_gets_its_update(tmp_path: Path) -> None:
    """Rob's leave, 22 Feb – 12 Mar, noted before the upgrade; extended after it to 31 Mar:
    Mia gets the one short update naming the new end."""
    store = _upgraded_walk(tmp_path, (date(2027, 2, 22), date(2027, 3, 12)),
                           datetime(2027, 3, 27, tzinfo=UTC),
                           (datetime(2027, 3, 13, 6, tzinfo=UTC),
                            _edit(date(2027, 2, 22), date(2027, 3, 31))))
    assert _skipped_in(store, date(2027, 2, 22), date(2027, 3, 31)) == ["skipped"] * 3
    assert [m.subject for m in _notes(store)] == [
        "1-2-1s during Rob Report's absence (22 Feb 2027 – 12 Mar 2027)",
        "1-2-1s during Rob Report's absence, now longer (22 Feb 2027 – 31 Mar 2027)"]
    [noted] = store.noted_absences(*_ids(store))
    assert (noted.first, noted.last) == (date(2027, 2, 22), date(2027, 3, 31))

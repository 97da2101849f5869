"""A long absence edited in Outlook after its note went is the same absence: the manager is
not told of it again when it is moved to start earlier, and gets one short update, not a
second note, when it is made to end later than the note said."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service.domain.model import CadenceKind
from service.domain.records import MailRecord
from service.sandbox import SandboxTenant
from service.sandbox.calendar import update_event
from service.store.db import make_engine
from service.store.repo import Store
from tests.conftest import make_settings
from tests.integration.test_absence_long_leave import BEA, MIA, ROB, START, _run, _skipped_in

Edit = Callable[[SandboxTenant], None]


def org() -> SandboxTenant:
    """Bea manages Mia, who manages Rob."""
    tenant = SandboxTenant(seed="leave-edited", now=lambda: START)
    bea = tenant.add_user("Bea Big", BEA, hire_date=date(2019, 1, 1))
    mia = tenant.add_user("Mia Boss", MIA, manager=bea, hire_date=date(2020, 1, 1))
    tenant.add_user("Rob Report", ROB, manager=mia, hire_date=date(2021, 1, 1))
    return tenant


def _walk(tmp: Path, until: datetime, edits: dict[datetime, Edit]) -> Store:
    """Bea manages Mia, who manages Rob; fortnightly Friday 1-2-1s (12 Feb, 26 Feb,
    12 Mar, 26 Mar ...); a run every 12 h up to ``until``, ``edits`` made at their times."""
    db = f"sqlite:///{tmp / 'edited.db'}"
    settings = make_settings(tmp, db, default_cadence=CadenceKind.FORTNIGHTLY,
                             weekdays=("friday",))
    tenant = org()
    now = START
    while now < until:
        if now in edits:
            edits[now](tenant)
        _run(settings, tenant, now)
        now += timedelta(hours=12)
    return Store(make_engine(db))


def _leave(first: date, last: date) -> dict[datetime, Edit]:
    """Rob books leave, all day from ``first`` to ``last``, a few days into the walk."""
    return {START + timedelta(days=3): lambda t: t.add_absence(ROB, first, last)}


def _edit(first: date, last: date) -> Edit:
    """Rob edits his leave in Outlook: the same event, its dates changed."""
    def go(tenant: SandboxTenant) -> None:
        [leave] = [e for e in tenant.events(ROB) if e.get("subject") == "Annual leave"]
        update_event(tenant, tenant.user(ROB)["id"], leave["id"], {
            "start": {"dateTime": f"{first}T00:00:00", "timeZone": "Europe/London"},
            "end": {"dateTime": f"{last + timedelta(days=1)}T00:00:00",
                    "timeZone": "Europe/London"}})
    return go


def _notes(store: Store) -> list[MailRecord]:
    return [m for m in store.outbox() if m.kind == "absence_long"]


def test_leave_moved_to_start_earlier_is_not_noted_again(tmp_path: Path) -> None:
    """Rob's leave, 22 Feb – 19 Mar, is noted when the 26 Feb meeting is checked; moved
    afterwards to start on 15 Feb, the 12 Mar meeting inside it sends no second note."""
    edits = {**_leave(date(2027, 2, 22), date(2027, 3, 19)),
             datetime(2027, 2, 27, 6, 0, tzinfo=UTC): _edit(date(2027, 2, 15),
                                                             date(2027, 3, 19))}
    store = _walk(tmp_path, datetime(2027, 3, 13, tzinfo=UTC), edits)
    assert _skipped_in(store, date(2027, 2, 15), date(2027, 3, 19)) == ["skipped"] * 2
    assert [m.subject for m in _notes(store)] == [
        "1-2-1s during Rob Report's absence (22 Feb 2027 – 19 Mar 2027)"]
    [noted] = store.noted_absences(*_ids(store))
    assert (noted.first, noted.last) == (date(2027, 2, 15), date(2027, 3, 19))


def test_leave_made_to_end_later_gets_one_short_update(tmp_path: Path) -> None:
    """Rob's leave, 22 Feb – 12 Mar, noted; extended to 31 Mar, the 26 Mar meeting is
    skipped too and Mia gets one update naming the new end, not a second note."""
    edits = {**_leave(date(2027, 2, 22), date(2027, 3, 12)),
             datetime(2027, 3, 13, 6, 0, tzinfo=UTC): _edit(date(2027, 2, 22),
                                                             date(2027, 3, 31))}
    store = _walk(tmp_path, datetime(2027, 3, 27, tzinfo=UTC), edits)
    assert _skipped_in(store, date(2027, 2, 22), date(2027, 3, 31)) == ["skipped"] * 3
    first, update = _notes(store)
    assert first.subject == "1-2-1s during Rob Report's absence (22 Feb 2027 – 12 Mar 2027)"
    assert update.subject == ("1-2-1s during Rob Report's absence, now longer "
                              "(22 Feb 2027 – 31 Mar 2027)")
    assert "An update to the earlier email" in update.body_html
    assert "from 22 Feb 2027 to 31 Mar 2027" in update.body_html


def _ids(store: Store) -> tuple[str, str]:
    """Mia's and Rob's directory ids: whose note, about whom."""
    view = next(v for v in store.views() if v.report.email == ROB)
    return view.manager.id, view.report.id

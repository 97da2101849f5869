"""A manager's own 1-2-1 series that onetoone adopts is made private ([policy] sensitivity)
before its first agenda, as the series onetoone books are. Outlook makes a meeting "normal",
and a delegate, or a colleague the manager shares her calendar with ("can view all
details"), reads the body of every meeting not marked private: the agendas onetoone writes
into it recall the pair's last notes, open actions and the report's topics. Exchange keeps
sensitivity per series (an occurrence shows its master's), so it is the master that is
updated, once. A dry run writes nothing; with sensitivity "normal" nothing is changed.

Sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.sandbox import SandboxTenant
from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_adoption_search import _run
from tests.integration.test_dry_run_agrees import _run as dry_run
from tests.integration.test_own_series import MIA, ROB, _own, _view
from tests.integration.test_schedule_job import NOW, org

PAIR = "Mia Manager & Rob Report"


def _sensitivity(tenant: SandboxTenant, event_id: str) -> str:
    return str(next(e for e in tenant.events(MIA) if e["id"] == event_id)["sensitivity"])


def test_the_managers_own_series_is_made_private_when_adopted(db_url: str,
                                                              settings_for: Any) -> None:
    tenant = org()
    own_id = _own(tenant, MIA, [ROB])  # as Outlook makes it: sensitivity normal
    settings = settings_for(db_url)
    assert _sensitivity(tenant, own_id) == "normal"

    dry = dry_run(settings, tenant, NOW, dry_run=True)
    assert PAIR in dry.schedule.adopted
    assert _sensitivity(tenant, own_id) == "normal"  # a dry run writes nothing

    first = _run(settings, tenant, NOW)
    assert first.failed_steps == [] and first.schedule.failed == []
    assert PAIR in first.schedule.adopted
    assert _view(db_url, ROB).series.event_id == own_id
    assert _sensitivity(tenant, own_id) == "private"

    # Its agendas go into it from then on, and nothing more is written to the series.
    before = len(tenant.requests)
    for step in range(1, 15):
        result = _run(settings, tenant, NOW + timedelta(hours=12 * step))
        assert result.failed_steps == [] and result.schedule.failed == []
    patches = [p for m, p, _ in tenant.requests[before:] if m == "PATCH" and p.endswith(own_id)]
    assert patches == []
    assert _sensitivity(tenant, own_id) == "private"
    view = _view(db_url, ROB)
    assert view.series is not None and view.series.event_id == own_id
    met = [o for o in Store(make_engine(db_url)).pairing_occurrences(view.pairing.id)
           if o.start < NOW + timedelta(days=7)]
    assert met and met[0].agenda_state == "injected"


def test_already_private_or_policy_normal_is_left_as_it_is(db_url: str, settings_for: Any,
                                                          tmp_path: Any) -> None:
    tenant = org()
    own_id = _own(tenant, MIA, [ROB], sensitivity="private")
    before = len(tenant.requests)
    first = _run(settings_for(db_url), tenant, NOW)
    assert PAIR in first.schedule.adopted
    assert [p for m, p, _ in tenant.requests[before:] if m == "PATCH" and p.endswith(own_id)] == []

    normal = org()
    normal_id = _own(normal, MIA, [ROB])
    again = _run(settings_for(f"sqlite:///{tmp_path / 'normal.db'}", sensitivity="normal"),
                 normal, NOW)
    assert PAIR in again.schedule.adopted
    assert _sensitivity(normal, normal_id) == "normal"

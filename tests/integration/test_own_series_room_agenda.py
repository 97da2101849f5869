"""The pair's own series with its room booked as its location and listed among the attendees
as "required" (Graph's default type, which tools booking rooms through it leave) is adopted
as the pair's 1-2-1 (test_own_series): the room is no third person there, and none when its
agendas are written either, or the series onetoone took on would never get one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.store.db import make_engine
from service.store.repo import Store
from tests.integration.test_adoption_search import _run
from tests.integration.test_own_series import MIA, ROB, _own, _view
from tests.integration.test_schedule_job import NOW, org

ROOM = "room31@contoso.example"


def test_an_adopted_series_with_its_room_as_an_attendee_gets_its_agendas(
        tmp_path: Any, settings_for: Any) -> None:
    db_url = f"sqlite:///{tmp_path / 'own-room.db'}"
    tenant = org()
    own_id = _own(tenant, MIA, [ROB], room=ROOM)
    settings = settings_for(db_url)
    first = _run(settings, tenant, NOW)
    assert "Mia Manager & Rob Report" in first.schedule.adopted
    view = _view(db_url, ROB)
    assert view.series is not None and view.series.event_id == own_id
    not_private: list[str] = []
    for step in range(1, 15):
        result = _run(settings, tenant, NOW + timedelta(hours=12 * step))
        assert result.failed_steps == [] and result.agenda.failed == []
        not_private += [label for label in result.agenda.not_private if "Rob" in label]
    assert not_private == [], f"the room taken for a third person: {not_private}"
    met = [o for o in Store(make_engine(db_url)).pairing_occurrences(view.pairing.id)
           if o.start < NOW + timedelta(days=7)]
    assert met and met[0].agenda_state == "injected"

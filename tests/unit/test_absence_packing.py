"""How the absence check packs its free/busy questions: managers' questions share a
getSchedule call while it stays one window (61 days) of at most 20 addresses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from service.jobs.absences import _Due, _packs, _span

T0 = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


def due(manager: str, report: str, start: datetime = T0) -> _Due:
    """A meeting as the packing reads it (times, window and the two people only)."""
    occ: Any = SimpleNamespace(start=start, end=start + timedelta(minutes=30))
    view: Any = SimpleNamespace(
        manager=SimpleNamespace(id=f"id-{manager}", email=f"{manager}@x.example"),
        report=SimpleNamespace(email=f"{report}@x.example"))
    window = (start.date() - timedelta(days=3), start.date() + timedelta(days=3))
    return _Due(occ, None, view, window)  # type: ignore[arg-type]


def team(manager: str, size: int, start: datetime = T0) -> list[_Due]:
    return [due(manager, f"{manager}-r{n}", start + timedelta(hours=n)) for n in range(size)]


def test_managers_due_together_share_one_call() -> None:
    packs = _packs(team("a", 3) + team("b", 2) + team("c", 1))
    assert len(packs) == 1
    (pack,) = packs
    assert set(pack.questions) == {"id-a", "id-b", "id-c"}
    assert len(pack.emails) == 3 + 3 + 2 + 1  # three managers, six reports, once each
    # The call spans what every meeting in it needs.
    spans = [_span(d) for d in team("a", 3) + team("b", 2) + team("c", 1)]
    assert pack.start == min(s for s, _ in spans) and pack.end == max(e for _, e in spans)


def test_a_call_never_carries_more_than_20_addresses() -> None:
    packs = _packs(team("a", 6) + team("b", 6) + team("c", 6))
    assert [len(p.emails) for p in packs] == [14, 7]
    assert all(len(p.query().emails) <= 20 for p in packs)


def test_a_call_stays_one_window() -> None:
    """Meetings 40 days apart need more than 61 days between them: two calls."""
    near, far = due("a", "r1"), due("b", "r2", T0 + timedelta(days=40))
    packs = _packs([near, far])
    assert len(packs) == 2
    assert all(p.end - p.start <= timedelta(days=61) for p in packs)
    close = due("b", "r2", T0 + timedelta(days=5))
    assert len(_packs([near, close])) == 1


def test_one_managers_meetings_are_one_question_whatever_the_size() -> None:
    """A manager with 25 reports due is one question (the client splits it by 20)."""
    packs = _packs(team("big", 25) + team("b", 1))
    sizes = {tuple(p.questions): len(p.query().emails) for p in packs}
    assert sizes == {("id-big",): 26, ("id-b",): 2}


def test_window_dates_extend_the_span() -> None:
    """A monthly meeting may move anywhere in its month: the span reaches its window."""
    d = due("a", "r")
    d.window = (date(2027, 2, 1), date(2027, 3, 31))
    lo, hi = _span(d)
    assert lo <= datetime(2027, 1, 31, tzinfo=UTC) and hi >= datetime(2027, 4, 2, tzinfo=UTC)

"""The simulated clock the crash tests run the worker on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.clock import ScaledClock


def test_scaled_clock_shares_one_timeline_across_processes(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Two clocks parsed from the same text agree: a restarted worker resumes the timeline."""
    monkeypatch.setattr("service.clock.time.time", lambda: 1_000_010.0)
    text = "2026-11-23T06:00:00+00:00@1000000x3600"
    first, second = ScaledClock.parse(text), ScaledClock.parse(text)
    expected = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10 wall seconds = 10 hours
    assert first.now() == second.now() == expected
    assert first.speed == 3600
    monkeypatch.setattr("service.clock.time.time", lambda: 1_000_011.0)
    assert first.now() - expected == timedelta(hours=1)


@pytest.mark.parametrize("text", ["tomorrow", "2026-11-23T06:00:00@1x2",
                                  "2026-11-23T06:00:00+00:00@1x0", "2026-11-23T06:00:00Z@ax2"])
def test_scaled_clock_refuses_bad_text(text: str) -> None:
    with pytest.raises(ValueError):
        ScaledClock.parse(text)

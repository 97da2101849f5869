"""A region code the `holidays` library spells in mixed case ("DE-Augsburg", "BE-French") is
accepted by the config checks (which compare case-insensitively) and stored upper-cased; the
library is handed its own spelling back, so the absence check gets the region's holidays
rather than NotImplementedError (and no meeting moved off holidays or leave)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from service.config import load_config
from service.domain.absence import holiday_calendar


def _load(tmp_path: Path, text: str):
    path = tmp_path / "onetoone.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={})


def test_person_region_in_mixed_case_gives_its_holidays(tmp_path: Path) -> None:
    s = _load(tmp_path, '[holidays.people]\n"ann@x.example" = "DE-Augsburg"\n')
    cal = holiday_calendar(s.holidays.code_for("ann@x.example"), [2025])
    assert "Augsburg" in cal.days[date(2025, 8, 8)]


def test_default_region_in_mixed_case_gives_its_holidays(tmp_path: Path) -> None:
    s = _load(tmp_path, '[holidays]\ncountry = "BE"\nsubdivision = "French"\n')
    cal = holiday_calendar(s.holidays.default_code, [2025])
    assert cal.days[date(2025, 12, 25)] == "Christmas Day"


def test_a_longer_region_code_is_not_refused(tmp_path: Path) -> None:
    """'Augsburg' is listed by holidays.list_supported_countries()['DE'] and accepted in
    [holidays.people]; [holidays] subdivision refuses it as 'not a region code'."""
    s = _load(tmp_path, '[holidays]\ncountry = "DE"\nsubdivision = "Augsburg"\n')
    cal = holiday_calendar(s.holidays.default_code, [2025])
    assert "Augsburg" in cal.days[date(2025, 8, 8)]

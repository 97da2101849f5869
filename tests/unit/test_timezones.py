"""Windows <-> IANA time-zone names."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from service.domain.timezones import (
    IANA_TO_WINDOWS,
    WINDOWS_TO_IANA,
    is_valid_zone,
    to_iana,
    to_windows,
)


@pytest.mark.parametrize(
    ("windows", "iana"),
    [
        ("GMT Standard Time", "Europe/London"),
        ("Eastern Standard Time", "America/New_York"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("India Standard Time", "Asia/Kolkata"),
        ("AUS Eastern Standard Time", "Australia/Sydney"),
        ("Romance Standard Time", "Europe/Paris"),
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("South Africa Standard Time", "Africa/Johannesburg"),
        ("E. South America Standard Time", "America/Sao_Paulo"),
    ],
)
def test_common_windows_names_round_trip(windows, iana):
    """The most used Windows names map to their IANA zone and back."""
    assert to_iana(windows) == iana
    assert to_windows(iana) == windows


def test_every_windows_name_round_trips_and_exists():
    """Every mapped IANA zone exists in zoneinfo and maps back to its Windows name."""
    assert len(WINDOWS_TO_IANA) >= 60
    for windows, iana in WINDOWS_TO_IANA.items():
        ZoneInfo(iana)
        assert to_windows(to_iana(windows)) == windows


def test_other_cities_and_old_spellings_map_to_windows():
    """Per-territory cities and CLDR's old spellings find their Windows zone."""
    assert to_windows("Europe/Dublin") == "GMT Standard Time"
    assert to_windows("Asia/Calcutta") == "India Standard Time"
    assert to_windows("America/Toronto") == "Eastern Standard Time"
    assert to_windows("Australia/Melbourne") == "AUS Eastern Standard Time"
    assert all(ZoneInfo(name) for name in ("Europe/Amsterdam", "Asia/Hong_Kong"))
    assert "europe/amsterdam" in IANA_TO_WINDOWS


def test_utc_and_case_insensitive_windows_names():
    """UTC works both ways and Windows names are matched without regard to case."""
    assert to_iana("UTC") == "UTC"
    assert to_windows("UTC") == "UTC"
    assert to_windows("Etc/UTC") == "UTC"
    assert to_iana("gmt standard time") == "Europe/London"
    assert to_iana("tzone://Microsoft/Utc") == "UTC"


def test_iana_names_pass_through_unchanged():
    """An IANA name zoneinfo knows is returned as given."""
    assert to_iana("Europe/Lisbon") == "Europe/Lisbon"
    assert to_iana("America/Indiana/Knox") == "America/Indiana/Knox"


@pytest.mark.parametrize("name", ["Mars Standard Time", "Europe/Atlantis", "", "../etc/passwd"])
def test_unknown_names_raise_value_error_naming_the_zone(name):
    """An unknown zone raises ValueError that names it; is_valid_zone says False."""
    with pytest.raises(ValueError, match="time zone"):
        to_iana(name)
    assert not is_valid_zone(name)


def test_unmapped_iana_zone_has_no_windows_name():
    """to_windows raises ValueError naming an IANA zone with no Windows equivalent."""
    with pytest.raises(ValueError, match="Antarctica/Troll"):
        to_windows("Antarctica/Troll")
    assert is_valid_zone("Antarctica/Troll")
    assert is_valid_zone("Eastern Standard Time")

"""The guard against ending many pairs at once by accident ([pairs] max_ends): a truncated
pairs file, the wrong group or a short directory read must not end a mass of 1-2-1s (each
report mailed a cancellation) in one run, while a small organisation's normal leavers and a
first rollout never trip it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import load_config
from service.domain.mass_end import end_limit, ending, refusal
from service.domain.model import CadenceKind
from service.domain.pairing import CurrentPairing, PairAction
from service.errors import ConfigError


def current(n: int) -> CurrentPairing:
    return CurrentPairing(key=f"m{n}|r{n}", manager_id=f"m{n}", report_id=f"r{n}",
                          cadence=CadenceKind.MONTHLY, minutes=30, status="active")


def ends(n: int, kind: str = "leave", *, unlisted: bool = False) -> list[PairAction]:
    why = "are no longer paired in pairs.csv" if unlisted else "left or was disabled"
    return [PairAction(kind, f"m{i}|r{i}", None, current(i), f"Report {i} {why}",  # type: ignore[arg-type]
                       unlisted=unlisted) for i in range(n)]


def test_the_default_is_a_fifth_of_the_live_pairs_but_never_fewer_than_ten() -> None:
    assert end_limit(0, None) == 10
    assert end_limit(30, None) == 10
    assert end_limit(100, None) == 20
    assert end_limit(1000, None) == 200
    assert end_limit(1000, 25) == 25
    assert end_limit(1000, 0) is None


def test_what_counts_as_an_end() -> None:
    """Leavers, pairs no longer listed and a mover's old pair end a pairing; a join, a keep,
    a blocked pair or a new cadence don't."""
    kinds = ["leave", "unpaired", "move", "join", "keep", "recadence", "blocked"]
    actions = [PairAction(kind, f"k{i}", None, current(i) if kind != "join" else None, "")
               for i, kind in enumerate(kinds)]
    assert [a.kind for a in ending(actions)] == ["leave", "unpaired", "move"]


def test_a_small_organisations_leavers_never_trip_it() -> None:
    assert refusal(ends(10), 12, None, 0, "pairs.csv") is None
    assert refusal(ends(2, "move") + ends(1), 3, None, 0, "the directory") is None
    assert refusal([], 0, None, 0, "pairs.csv") is None  # a first rollout: nothing stored


def test_a_small_organisation_never_loses_most_of_its_pairs_to_a_short_source() -> None:
    """A pilot's file cut to its first lines: its pairs are no longer listed, both people
    still here. Under the floor of ten alone, nine of its ten pairs would end."""
    said = refusal(ends(9, "unpaired", unlisted=True), 10, None, 0, "pairs.csv")
    assert said is not None
    assert ("pairs.csv: this sync would end 9 of the 10 pairs now scheduled, 9 of them because "
            "the sources no longer list them while both people are still here, more than "
            '[pairs] max_ends = "auto" allows (5: half the pairs): ') in said
    assert "--allow-ends 9`" in said
    assert refusal(ends(9, "unpaired", unlisted=True), 10, None, 9, "pairs.csv") is None
    assert refusal(ends(5, "unpaired", unlisted=True), 10, None, 0, "pairs.csv") is None
    assert refusal(ends(1, "unpaired", unlisted=True), 1, None, 0, "pairs.csv") is None
    assert refusal(ends(2, "unpaired", unlisted=True), 3, None, 0, "pairs.csv") is not None
    # A number set, or no limit: that number alone.
    assert refusal(ends(9, "unpaired", unlisted=True), 10, 9, 0, "pairs.csv") is None
    assert refusal(ends(9, "unpaired", unlisted=True), 10, 0, 0, "pairs.csv") is None


def test_a_mass_end_is_refused_naming_the_source_the_count_and_the_first_pairs() -> None:
    said = refusal(ends(50), 100, None, 0, "/srv/hr/pairs.csv")
    assert said is not None
    assert said.startswith("/srv/hr/pairs.csv: this sync would end 50 of the 100 pairs")
    assert "(20: a fifth of the pairs, at least 10)" in said
    assert "Report 0 left or was disabled; " in said and "Report 12 left" in said
    assert "Report 5 left" not in said and "and 45 more" in said  # (by name: 0, 1, 10, 11, 12)
    assert "Nothing was changed" in said
    assert "`onetoone schedule --allow-ends 50`" in said and "[pairs] max_ends" in said


def test_allowed_ends_let_that_many_through_and_no_more() -> None:
    assert refusal(ends(50), 100, None, 50, "pairs.csv") is None
    assert refusal(ends(50), 100, None, 60, "pairs.csv") is None
    said = refusal(ends(50), 100, None, 40, "pairs.csv")
    assert said is not None and "--allow-ends 40 allows fewer" in said


def test_the_setting_a_number_or_no_limit() -> None:
    assert refusal(ends(5), 100, 4, 0, "the directory") is not None
    assert refusal(ends(4), 100, 4, 0, "the directory") is None
    assert refusal(ends(100), 100, 0, 0, "the directory") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("", None), ('max_ends = "auto"', None), ('max_ends = "Auto"', None),
    ("max_ends = 0", 0), ("max_ends = 250", 250)])
def test_max_ends_setting(tmp_path: Path, text: str, expected: int | None) -> None:
    path = tmp_path / "onetoone.toml"
    path.write_text(f"[pairs]\n{text}\n")
    assert load_config(path, {}).pairs.max_ends == expected
    assert load_config(None, {"ONETOONE_PAIRS_MAX_ENDS": "auto"}).pairs.max_ends is None
    assert load_config(None, {"ONETOONE_PAIRS_MAX_ENDS": "7"}).pairs.max_ends == 7


@pytest.mark.parametrize("value", ["-1", '"50"', '"lots"', "true", "2.5"])
def test_a_bad_max_ends_names_the_key(tmp_path: Path, value: str) -> None:
    path = tmp_path / "onetoone.toml"
    path.write_text(f"[pairs]\nmax_ends = {value}\n")
    with pytest.raises(ConfigError, match=r"onetoone\.toml:2: \[pairs\] max_ends = .* is not "
                                          r'"auto" or a whole number from 0'):
        load_config(path, {})
    with pytest.raises(ConfigError, match=r"ONETOONE_PAIRS_MAX_ENDS: \[pairs\] max_ends"):
        load_config(None, {"ONETOONE_PAIRS_MAX_ENDS": "lots"})

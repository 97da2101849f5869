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


def ends(n: int, kind: str = "leave") -> list[PairAction]:
    return [PairAction(kind, f"m{i}|r{i}", None, current(i), f"Report {i} left or was disabled")
            for i in range(n)]


def test_the_default_is_a_fifth_of_the_live_pairs_at_least_ten_and_at_most_half() -> None:
    assert end_limit(1, None) == 1  # one pair alone may end
    assert end_limit(2, None) == 1
    assert end_limit(10, None) == 5
    assert end_limit(19, None) == 9
    assert end_limit(20, None) == 10
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
    assert refusal(ends(6), 12, None, 0, "pairs.csv") is None
    assert refusal(ends(10), 50, None, 0, "pairs.csv") is None
    assert refusal(ends(1), 1, None, 0, "pairs.csv") is None  # the only pair's report left
    assert refusal([], 0, None, 0, "pairs.csv") is None  # a first rollout: nothing stored


def test_a_small_organisation_never_loses_most_of_its_pairs_at_once() -> None:
    """A pilot's file cut to its first lines: the floor of ten alone would let nine of its
    ten pairs end."""
    said = refusal(ends(9), 10, None, 0, "pairs.csv")
    assert said is not None and "would end 9 of the 10 pairs" in said
    assert "(5: a fifth of the pairs, at least 10 and at most half)" in said
    assert refusal(ends(2), 3, None, 0, "pairs.csv") is not None


def test_a_mass_end_is_refused_naming_the_source_the_count_and_the_first_pairs() -> None:
    said = refusal(ends(50), 100, None, 0, "/srv/hr/pairs.csv")
    assert said is not None
    assert said.startswith("/srv/hr/pairs.csv: this sync would end 50 of the 100 pairs")
    assert "(20: a fifth of the pairs, at least 10 and at most half)" in said
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

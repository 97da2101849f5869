"""Managers' depth in the chart: the order a schedule run plans their pairs in (top-down)."""

from __future__ import annotations

from service.domain.pairing import chart_depths


def test_depth_counts_the_managers_above() -> None:
    """The CEO's reports are 1 deep, theirs 2; someone not listed as a report is 0."""
    chart = {"pat": "val", "val": "ceo", "n1": "pat", "n2": "pat", "ic": "vic", "vic": "ceo"}
    depth = chart_depths(chart)
    assert depth == {"val": 1, "vic": 1, "pat": 2, "ic": 2, "n1": 3, "n2": 3}
    assert depth.get("ceo", 0) == 0
    # Whatever order the pairs come in.
    assert chart_depths(dict(reversed(chart.items()))) == depth


def test_a_loop_ends_the_count() -> None:
    """A two-person loop (a directory mistake) and a line hanging from it get depths, once."""
    depth = chart_depths({"a": "b", "b": "a", "c": "a"})
    assert set(depth) == {"a", "b", "c"} and depth["c"] == depth["a"] + 1

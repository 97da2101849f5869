"""The list of PostgreSQL variants the suite deselects names only PostgreSQL variants of
tests that exist; and the choice behind it keeps every statement outcome sent."""

from __future__ import annotations

import re

from tests.support.postgres_selection import (
    ALWAYS,
    OMITTED,
    ROOT,
    choose,
    is_postgres_variant,
    read_omitted,
)


def test_every_omitted_variant_is_the_postgres_run_of_a_test_that_exists() -> None:
    omitted = read_omitted()
    assert omitted, f"{OMITTED} lists nothing: regenerate it or remove it"
    for nodeid in sorted(omitted):
        path, _, name = nodeid.partition("::")
        assert is_postgres_variant(nodeid), nodeid
        assert not ALWAYS.search(nodeid), f"{nodeid}: its file always runs on PostgreSQL"
        source = ROOT / path
        assert source.is_file(), f"{nodeid}: no {path} (renamed? regenerate the list)"
        function = name.partition("[")[0]
        assert re.search(rf"^(async )?def {function}\(", source.read_text(), re.M), (
            f"{nodeid}: no {function} in {path} (renamed? regenerate the list)")


def test_the_choice_keeps_a_variant_for_every_statement_outcome() -> None:
    shapes = {
        "tests/integration/test_a.py::test_one[postgres]": {"rows: SELECT a", "none: SELECT b"},
        "tests/integration/test_a.py::test_one[sqlite]": set(),
        "tests/integration/test_b.py::test_two[postgres]": {"rows: SELECT a"},
        "tests/integration/test_b.py::test_three[postgres-x]": {"rows: SELECT c",
                                                                 "none: SELECT b"},
        "tests/integration/test_c.py::test_four[postgres]": {"rows: SELECT a",
                                                             "rows: SELECT c"},
        "tests/integration/test_store.py::test_five[postgres]": {"rows: SELECT d"},
        "tests/acceptance/test_d.py::test_spawns[postgres]": {"rows: SELECT a"},
    }
    seconds = {t: 1.0 for t in shapes} | {"tests/integration/test_c.py::test_four[postgres]":
                                          0.1}
    kept, omitted = choose(shapes, {"tests/acceptance/test_d.py::test_spawns[postgres]"},
                           seconds)
    every = set().union(*shapes.values())
    assert set().union(*(shapes[t] for t in kept)) == every
    assert not kept & omitted and kept | omitted == set(shapes)
    # Always kept: the database's own tests, a process-starting test, non-variants.
    assert {"tests/integration/test_store.py::test_five[postgres]",
            "tests/acceptance/test_d.py::test_spawns[postgres]",
            "tests/integration/test_a.py::test_one[sqlite]"} <= kept
    # The cheap test_four covers SELECT c; then "none: SELECT b" needs one of the others.
    assert "tests/integration/test_c.py::test_four[postgres]" in kept
    assert "tests/integration/test_b.py::test_two[postgres]" in omitted
    assert len(omitted) == 2


"""``tune_gc``: what is alive at start leaves the collector's sight, and the young generation
is collected less often."""

from __future__ import annotations

import gc

from service.app import GC_YOUNG, tune_gc


def _restore(threshold: tuple[int, ...], frozen: bool) -> None:
    """The collector as it was (tests/conftest.py tunes it for the session)."""
    gc.unfreeze()
    gc.set_threshold(*threshold)
    if frozen:
        gc.collect()
        gc.freeze()


def test_tune_gc_freezes_what_is_alive_and_raises_the_young_threshold() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count() > 0
    try:
        gc.unfreeze()
        tune_gc()
        assert gc.get_freeze_count() > 0
        young, *older = gc.get_threshold()
        assert young == GC_YOUNG
        assert tuple(older) == before[1:]  # the older generations keep theirs
    finally:
        _restore(before, frozen)


def test_cyclic_garbage_made_after_start_is_still_collected() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count() > 0
    try:
        tune_gc()

        class Node:
            pass

        a, b = Node(), Node()
        a.peer, b.peer = b, a  # type: ignore[attr-defined]
        del a, b
        assert gc.collect() > 0
    finally:
        _restore(before, frozen)

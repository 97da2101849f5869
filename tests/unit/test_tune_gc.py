"""``tune_gc``: what is alive at start leaves the collector's sight, and the young generation
is collected less often."""

from __future__ import annotations

import gc

from service.app import GC_YOUNG, tune_gc


def test_tune_gc_freezes_what_is_alive_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        gc.unfreeze()
        tune_gc()
        assert gc.get_freeze_count() > 0
        young, *older = gc.get_threshold()
        assert young == GC_YOUNG
        assert tuple(older) == before[1:]  # the older generations keep theirs
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_cyclic_garbage_made_after_start_is_still_collected() -> None:
    before = gc.get_threshold()
    try:
        tune_gc()

        class Node:
            pass

        a, b = Node(), Node()
        a.peer, b.peer = b, a  # type: ignore[attr-defined]
        del a, b
        assert gc.collect() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)

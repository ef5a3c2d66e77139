"""Preparing the collector: what was alive at startup is left out of collections, what comes after is
collected, and young collections run less often while serving."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.gc_freeze import SERVING_THRESHOLDS, prepare_collector


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class _Node:
    def __init__(self) -> None:
        self.peer: _Node = self


def test_the_startup_heap_is_frozen_and_later_cycles_are_still_collected(unfrozen_afterwards: None) -> None:
    startup = _Node()
    frozen = prepare_collector()
    assert frozen > 0 and gc.get_freeze_count() > 0  # (frozen objects freed by refcount leave it)
    assert not any(thing is startup for thing in gc.get_objects())  # out of every generation
    assert gc.get_threshold() == SERVING_THRESHOLDS

    later = _Node()  # a reference cycle made after the freeze
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None

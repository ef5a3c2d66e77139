"""Freezing the startup heap: what was alive is left out of collections, what comes after is collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.gc_freeze import freeze_startup_objects


@pytest.fixture
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


class _Node:
    def __init__(self) -> None:
        self.peer: _Node = self


def test_the_startup_heap_is_frozen_and_later_cycles_are_still_collected(unfrozen_afterwards: None) -> None:
    startup = _Node()
    frozen = freeze_startup_objects()
    assert frozen > 0 and gc.get_freeze_count() > 0  # (frozen objects freed by refcount leave it)
    assert not any(thing is startup for thing in gc.get_objects())  # out of every generation

    later = _Node()  # a reference cycle made after the freeze
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None

"""Figures made from a record once, kept as long as the record lives.

Records are immutable, and the read path hands out one object per content (its memo, by content hash), so
what is derived from a record (its monthly totals) can stay beside it: every assessment, check and profile
of a warm firm then starts from those figures instead of summing the record again. Kept by the record's
identity and dropped when the record is collected (a weak reference): nothing here keeps a record alive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")
T = TypeVar("T")

_DERIVED: dict[int, dict[Callable[[Any], Any], Any]] = {}


def derived(make: Callable[[R], T], record: R) -> T:
    """``make(record)``, made once per record object (the value is shared: never mutate it)."""
    made = _DERIVED.get(id(record))
    if made is None:
        made = _DERIVED[id(record)] = {}
        weakref.finalize(record, _DERIVED.pop, id(record), None)
    if make in made:
        value: T = made[make]
        return value
    value = made[make] = make(record)
    return value


def derived_count() -> int:
    """How many records have derived figures kept (tests)."""
    return len(_DERIVED)

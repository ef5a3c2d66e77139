"""Checks on arguments at the schema's edge: a bad value is a typed error naming the argument."""

from __future__ import annotations

from foundation.errors import BadRequest


def in_range(name: str, value: int, low: int, high: int) -> int:
    """``value`` when ``low <= value <= high``, else ``BAD_REQUEST`` naming the argument and its range."""
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {value}", argument=name)
    return value

"""The universe's seeded RNGs, in a module of their own so that every part of the sandbox draws from them."""

from __future__ import annotations

import random


def firm_rng(seed: int, key: str, source: str) -> random.Random:
    """The RNG of one firm (or relation) for one source: independent of the order of requests."""
    return random.Random(f"{seed}:{key}:{source}")

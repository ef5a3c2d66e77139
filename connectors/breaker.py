"""One circuit breaker per source (purgatory), its state visible to ``/readyz`` and Prometheus.

A fetch that fails (after its retries) counts once; ``threshold`` consecutive failures open the circuit
and every fetch fails fast with ``SourceUnavailable`` until ``cooldown_s`` has passed; the next fetch then
probes (half-open) and closes the circuit on success or reopens it on failure. A 404 (UnknownEnterprise)
is a healthy answer and a cancelled fetch says nothing about the upstream: neither counts as a failure.
State lives in the process (purgatory's in-memory unit of work): each replica judges its own path to the
upstream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from prometheus_client import Gauge
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState

from connectors.http import UPSTREAM_REQUESTS
from foundation.errors import SourceUnavailable, UnknownEnterprise

CircuitState = Literal["closed", "open", "half_open"]
CIRCUIT_STATE = Gauge(
    "hub_upstream_circuit_state", "Circuit of an upstream: 0 closed, 1 half-open, 2 open", ["source"]
)
_GAUGE_VALUE: dict[CircuitState, int] = {"closed": 0, "half_open": 1, "open": 2}
_FROM_PURGATORY: dict[str, CircuitState] = {"closed": "closed", "opened": "open", "half-opened": "half_open"}


@dataclass(frozen=True)
class BreakerSettings:
    threshold: int
    cooldown_s: float


class CircuitBreakers:
    """The breakers of a process, one per source, all closed at start."""

    def __init__(self, settings: Mapping[str, BreakerSettings]) -> None:
        self._settings = dict(settings)
        self._factory = AsyncCircuitBreakerFactory(exclude=[UnknownEnterprise, asyncio.CancelledError])
        self._factory.add_listener(self._on_event)
        self._states: dict[str, tuple[CircuitState, float | None]] = {}
        for source in self._settings:
            self._set(source, "closed", None)

    def _set(self, source: str, state: CircuitState, opened_at: float | None) -> None:
        self._states[source] = (state, opened_at)
        CIRCUIT_STATE.labels(source).set(_GAUGE_VALUE[state])

    def _on_event(self, source: str, kind: str, event: Any) -> None:
        if kind == "state_changed":
            self._set(source, _FROM_PURGATORY[event.state], event.opened_at)

    def state(self, source: str) -> CircuitState:
        """``open`` turns ``half_open`` once the cool-down has passed: the next fetch will probe."""
        state, opened_at = self._states[source]
        cooled_down = opened_at is not None and time.time() > opened_at + self._settings[source].cooldown_s
        if state == "open" and cooled_down:
            return "half_open"
        return state

    def states(self) -> dict[str, CircuitState]:
        return {source: self.state(source) for source in self._settings}

    @asynccontextmanager
    async def guard(self, source: str) -> AsyncIterator[None]:
        """Run the body through ``source``'s breaker; an open circuit raises ``SourceUnavailable`` at once."""
        settings = self._settings[source]
        breaker = await self._factory.get_breaker(
            source, threshold=settings.threshold, ttl=settings.cooldown_s
        )
        try:
            async with breaker:
                yield
        except OpenedState as opened:
            # purgatory raises its one open-state object on every fast failure, and each raise adds that
            # fetch's frames to the object's traceback: kept, they would pin every failed fetch's frames
            # (and all they hold) for as long as the circuit stays open, and slow every full collection.
            opened.__traceback__ = None
            UPSTREAM_REQUESTS.labels(source, "circuit_open").inc()
            raise SourceUnavailable(source, "circuit open after repeated failures") from None

"""Faults on demand, shared by all five providers: latency, errors, hangs, rate limits, down.

:class:`FaultMiddleware` sits in front of every data endpoint (never ``/_sandbox/*``); it also counts
requests per path template for ``/_sandbox/stats``.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ErrorRenderer = Callable[[int, str, str, Mapping[str, str] | None], Response]
"""Renders a provider error: (status, code, message, extra headers) → response in the provider's format."""
CredentialOf = Callable[[Request], str]
"""Which credential a request claims (for per-credential rate limits); not verified here."""


class BadFaults(ValueError):
    """A fault setting of the wrong type or out of range."""


@dataclass(frozen=True, slots=True)
class FaultSettings:
    """What to break. Zero / False everywhere means a healthy provider.

    Parameters:
        latency_ms: how long every data response takes at least, from its request's arrival: the
            provider's own work on it runs within that time (as a remote provider's would), not after.
        jitter_ms: a further uniform random 0..jitter_ms.
        error_rate: probability (0..1) of answering ``error_status`` instead.
        error_status: 500 or 503 (any 5xx is accepted).
        hang_s: delay every data response by this long more (client timeout tests).
        rate_limit_per_s: per-credential token bucket; over it → 429 with Retry-After. 0 = unlimited.
        down: answer 503 ``{"error": "down"}`` to every data request.
    """

    latency_ms: int = 0
    jitter_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    hang_s: float = 0.0
    rate_limit_per_s: float = 0.0
    down: bool = False

    def updated(self, changes: Mapping[str, object]) -> FaultSettings:
        """These settings with ``changes`` (JSON values) applied; raises :class:`BadFaults`."""
        known = {item.name: item.type for item in fields(self)}
        values: dict[str, object] = {}
        for name, value in changes.items():
            if name not in known:
                raise BadFaults(f"unknown fault setting {name!r}; known: {', '.join(sorted(known))}")
            values[name] = _coerce(name, str(known[name]), value)
        result = replace(self, **values)  # type: ignore[arg-type]
        if not 0 <= result.error_rate <= 1:
            raise BadFaults("error_rate must be between 0 and 1")
        if not 500 <= result.error_status <= 599:
            raise BadFaults("error_status must be a 5xx status")
        if min(result.latency_ms, result.jitter_ms, result.hang_s, result.rate_limit_per_s) < 0:
            raise BadFaults("durations and rates must not be negative")
        return result

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _coerce(name: str, kind: str, value: object) -> object:
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif isinstance(value, bool):
        pass  # JSON true is not a number
    elif kind == "int" and isinstance(value, int):
        return value
    elif kind == "float" and isinstance(value, int | float):
        return float(value)
    raise BadFaults(f"{name} must be a {kind}, got {value!r}")


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FaultState:
    """The live faults and request counters of one provider (mutated by ``/_sandbox`` routes)."""

    seed: int
    defaults: FaultSettings = field(default_factory=FaultSettings)
    settings: FaultSettings = field(init=False)
    requests: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(init=False, repr=False)
    _buckets: dict[str, _Bucket] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.apply(self.defaults)

    def apply(self, settings: FaultSettings) -> None:
        """Replace the settings; the error sequence restarts so a test sees the same faults each run."""
        self.settings = settings
        self._rng = random.Random(f"{self.seed}:faults")
        self._buckets.clear()

    def take_token(self, credential: str) -> float:
        """Seconds to wait before retrying, or 0 when the request may pass the rate limit."""
        rate = self.settings.rate_limit_per_s
        if rate <= 0:
            return 0.0
        now = time.monotonic()
        bucket = self._buckets.setdefault(credential, _Bucket(tokens=rate, updated=now))
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / rate

    def delay_s(self) -> float:
        jitter = self._rng.uniform(0, self.settings.jitter_ms) if self.settings.jitter_ms else 0.0
        return (self.settings.latency_ms + jitter) / 1000 + self.settings.hang_s

    def fails(self) -> bool:
        return self.settings.error_rate > 0 and self._rng.random() < self.settings.error_rate


class FaultMiddleware:
    """Counts and breaks data requests as :class:`FaultState` says; ``/_sandbox/*`` passes untouched."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        state: FaultState,
        routes: list[BaseRoute],
        render_error: ErrorRenderer,
        credential_of: CredentialOf,
    ) -> None:
        self.app = app
        self.state = state
        self.routes = routes
        self.render_error = render_error
        self.credential_of = credential_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        template = next((_path(route) for route in self.routes if _matches(route, scope)), None)
        if template is None:  # unknown path: the router answers 404, not counted
            await self.app(scope, receive, send)
            return
        self.state.requests[template] += 1
        arrived = time.monotonic()
        response = self._fault(Request(scope))
        if response is not None:
            await response(scope, receive, send)
            return
        delay = self.state.delay_s()
        if self.state.fails():
            await _sleep_until(arrived + delay)
            status = self.state.settings.error_status
            await self.render_error(status, "internal_error", "injected fault", None)(scope, receive, send)
            return
        if not delay:
            await self.app(scope, receive, send)
            return

        async def send_when_due(message: Message) -> None:
            # The answer is made while the latency runs and leaves when it is due: a provider at 50 ms
            # answers in 50 ms, not in 50 ms plus this process's own work on the request.
            if message["type"] == "http.response.start":
                await _sleep_until(arrived + delay)
            await send(message)

        await self.app(scope, receive, send_when_due)

    def _fault(self, request: Request) -> Response | None:
        """The refusal a down or rate-limited provider answers at once, or None."""
        if self.state.settings.down:
            return self.render_error(503, "down", "the provider is down", None)
        retry_after = self.state.take_token(self.credential_of(request))
        if retry_after:
            headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
            return self.render_error(429, "rate_limited", "too many requests", headers)
        return None


async def _sleep_until(moment: float) -> None:
    left = moment - time.monotonic()
    if left > 0:
        await asyncio.sleep(left)


def _matches(route: BaseRoute, scope: Scope) -> bool:
    match, _ = route.matches(scope)
    return match is Match.FULL


def _path(route: BaseRoute) -> str:
    """The route's path template (``/v1/enterprises/{creditCode}``): what stats count by."""
    return str(getattr(route, "path", "?"))

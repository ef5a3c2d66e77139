"""The one HTTP client factory of the connectors, the retry policy and the classification of answers.

    answer / error                        class       what happens
    2xx, 404                              ok          returned (404 → UnknownEnterprise upstream of here)
    connect error, timeout, 5xx, 429      retryable   retried with backoff (429: after Retry-After)
    any other 4xx, OAuth error            fatal       UpstreamRejected at once, never retried
    retries or deadline exhausted         -           SourceUnavailable

httpx's transport retries cover connect errors only, so retries are tenacity's; the limits sit on the
transport because a client given ``transport=`` ignores its own ``limits``; httpx timeouts are per
operation, so ``asyncio.timeout`` bounds one logical request including all its retries. Within a request
(:mod:`connectors.deadline`) no retry starts whose wait would end past the request's deadline.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx
from prometheus_client import Counter, Histogram
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from connectors.config import SourceConfig
from connectors.deadline import current_deadline
from connectors.network import AsyncioBackend
from foundation.errors import SourceUnavailable, UpstreamRejected

UPSTREAM_REQUESTS = Counter(
    "hub_upstream_requests_total", "HTTP requests to upstream providers, by outcome", ["source", "outcome"]
)
UPSTREAM_LATENCY = Histogram(
    "hub_upstream_latency_seconds", "Latency of one HTTP request to an upstream provider", ["source"]
)
USER_AGENT = "enterprise-data-hub/0.1"
_XML_ERROR_CODE = re.compile(r"<Code>([^<]{1,64})</Code>")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One default TLS context per process: each new one loads the CA bundle again (~50 ms of CPU)."""
    return httpx.create_ssl_context()


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over a connection pool on :class:`connectors.network.AsyncioBackend` (httpx
    takes no network backend, so its pool is replaced; request and error mapping stay httpx's own)."""

    def __init__(self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: the upstream APIs authenticate every request and set no session."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Skipped: httpx would wrap every answer in urllib compatibility objects (~4% of a sync's CPU)."""


class UpstreamClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that keeps no cookies (see :class:`_NoCookies`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cookies = _NoCookies()


def build_http_client(config: SourceConfig, auth: httpx.Auth | None = None) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for one source: base URL, pool limits and timeouts from its config.

    Idle connections kept alive are bounded by the source's concurrency, not the pool size: httpcore
    checks every pooled connection for expiry on each request, so surplus idle ones cost CPU per request.
    """
    limits = httpx.Limits(
        max_connections=config.max_connections,
        max_keepalive_connections=min(config.max_concurrency, config.max_connections),
    )
    return UpstreamClient(
        base_url=config.base_url,
        transport=AsyncioTransport(ssl_context=_tls_context(), limits=limits),
        timeout=httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s),
        auth=auth,
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
    )


class RetryableStatus(Exception):
    """A 5xx or 429 answer, worth another attempt (after ``retry_after_s`` when the server said so)."""

    def __init__(self, status: int, retry_after_s: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after_s = retry_after_s


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); ``None`` when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def provider_error_code(response: httpx.Response) -> str:
    """The provider's short error code (JSON ``error`` or XML ``<Code>``), for messages and logs."""
    try:
        document = json.loads(response.content)
    except ValueError:
        match = _XML_ERROR_CODE.search(response.text)
        return match.group(1) if match else "unknown"
    error = document.get("error") if isinstance(document, dict) else None
    return str(error)[:64] if error else "unknown"


class PastRequestDeadline(stop_base):
    """Stop when the wait before the next attempt would end past the request's deadline (tenacity runs
    the wait before the stop, so ``upcoming_sleep`` is the wait this attempt would take)."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        deadline = current_deadline()
        return deadline is not None and deadline.left() <= retry_state.upcoming_sleep


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int
    backoff_initial_s: float
    backoff_max_s: float
    max_retry_after_s: float
    deadline_s: float

    @classmethod
    def from_config(cls, config: SourceConfig) -> RetryPolicy:
        return cls(
            attempts=config.retries + 1,
            backoff_initial_s=config.backoff_initial_s,
            backoff_max_s=config.backoff_max_s,
            max_retry_after_s=config.max_retry_after_s,
            deadline_s=config.deadline_s,
        )

    def is_retryable(self, error: BaseException) -> bool:
        if isinstance(error, RetryableStatus):
            return error.retry_after_s is None or error.retry_after_s <= self.max_retry_after_s
        if isinstance(error, httpx.HTTPStatusError):  # raised by authlib for a 5xx token endpoint
            status = error.response.status_code
            return status >= 500 or status == httpx.codes.TOO_MANY_REQUESTS
        return isinstance(error, httpx.TransportError)

    def wait_s(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableStatus) and error.retry_after_s is not None:
            return error.retry_after_s
        backoff = wait_exponential_jitter(
            multiplier=self.backoff_initial_s, max=self.backoff_max_s, jitter=self.backoff_initial_s
        )
        return float(backoff(state))


async def send(
    client: httpx.AsyncClient, source: str, policy: RetryPolicy, build: Callable[[], httpx.Request]
) -> httpx.Response:
    """Send ``build()``'s request (built afresh per attempt) with retries: a 2xx or 404, or a typed error.

    The first attempt runs outside tenacity (most succeed, and its bookkeeping was ~3% of a sync's CPU);
    whatever it raises is replayed to tenacity as attempt 1, which decides, waits and retries as always.
    """
    attempts = 0
    try:
        async with asyncio.timeout(policy.deadline_s):
            try:
                attempts += 1
                return await _attempt(client, source, build())
            except Exception as error:
                first: Exception | None = error
            retrying = AsyncRetrying(
                stop=stop_after_attempt(policy.attempts) | PastRequestDeadline(),
                wait=policy.wait_s,
                retry=retry_if_exception(policy.is_retryable),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    if first is not None:
                        replayed, first = first, None
                        raise replayed
                    attempts += 1
                    return await _attempt(client, source, build())
    except TimeoutError:
        raise SourceUnavailable(source, f"no answer within the {policy.deadline_s:g} s deadline") from None
    except RetryableStatus as error:
        raise SourceUnavailable(source, f"{error} after {attempts} attempt(s)") from None
    except httpx.HTTPStatusError as error:
        raise SourceUnavailable(
            source, f"token endpoint answered HTTP {error.response.status_code}"
        ) from None
    except httpx.TimeoutException as error:
        raise SourceUnavailable(source, f"timed out ({type(error).__name__})") from None
    except httpx.TransportError as error:
        raise SourceUnavailable(source, f"connection failed ({type(error).__name__})") from None
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover


async def _attempt(client: httpx.AsyncClient, source: str, request: httpx.Request) -> httpx.Response:
    started = time.perf_counter()
    try:
        response = await client.send(request)
    except httpx.TimeoutException:
        UPSTREAM_REQUESTS.labels(source, "timeout").inc()
        raise
    except httpx.TransportError:
        UPSTREAM_REQUESTS.labels(source, "transport_error").inc()
        raise
    finally:
        UPSTREAM_LATENCY.labels(source).observe(time.perf_counter() - started)
    status = response.status_code
    if status < 300:
        UPSTREAM_REQUESTS.labels(source, "ok").inc()
        return response
    if status == httpx.codes.NOT_FOUND:
        UPSTREAM_REQUESTS.labels(source, "not_found").inc()
        return response
    if status == httpx.codes.TOO_MANY_REQUESTS:
        UPSTREAM_REQUESTS.labels(source, "rate_limited").inc()
        raise RetryableStatus(status, retry_after_seconds(response))
    if status >= 500:
        UPSTREAM_REQUESTS.labels(source, "server_error").inc()
        raise RetryableStatus(status, retry_after_seconds(response))
    UPSTREAM_REQUESTS.labels(source, "rejected").inc()
    raise UpstreamRejected(source, status, provider_error_code(response))

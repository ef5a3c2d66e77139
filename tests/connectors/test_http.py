"""Retry policy and classification of answers: 429 with Retry-After, connect errors, parsing helpers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from connectors.config import SourceConfig
from connectors.http import RetryPolicy, build_http_client, provider_error_code, retry_after_seconds, send
from foundation.errors import SourceUnavailable, UpstreamRejected
from sandbox.control import SandboxControl
from tests.connectors.conftest import CODE, ClientFactory, counted
from tests.fixtures.ports import free_port


@pytest.fixture
def trade(sandbox: SandboxControl) -> SandboxControl:
    sandbox.reset_faults("trade")
    sandbox.reset_stats("trade")
    return sandbox


async def test_rate_limited_request_waits_for_retry_after_then_succeeds(
    trade: SandboxControl, source_client: ClientFactory
) -> None:
    trade.set_faults("trade", rate_limit_per_s=1)
    limited_before = counted("trade", "rate_limited")
    started = time.perf_counter()
    try:
        record = await source_client("trade").fetch(CODE)
    finally:
        trade.reset_faults("trade")
    assert record.credit_code == CODE
    assert counted("trade", "rate_limited") > limited_before
    assert time.perf_counter() - started >= 0.9  # the server asked for at least one second


async def test_retry_after_beyond_the_limit_fails_at_once(
    trade: SandboxControl, source_client: ClientFactory
) -> None:
    trade.set_faults("trade", rate_limit_per_s=1)
    started = time.perf_counter()
    try:
        with pytest.raises(SourceUnavailable) as raised:
            await source_client("trade", max_retry_after_s=0.5).fetch(CODE)
    finally:
        trade.reset_faults("trade")
    assert raised.value.reason == "HTTP 429 after 1 attempt(s)"
    assert time.perf_counter() - started < 0.9


async def test_connection_refused_is_retried_then_unavailable() -> None:
    config = SourceConfig(base_url=f"http://127.0.0.1:{free_port()}", retries=2, backoff_initial_s=0.01)
    async with build_http_client(config) as client:
        with pytest.raises(SourceUnavailable) as raised:
            await send(
                client, "registry", RetryPolicy.from_config(config), lambda: client.build_request("GET", "/")
            )
    assert raised.value.reason == "connection failed (ConnectError)"
    assert raised.value.extensions == {"source": "registry"}


def test_client_takes_timeouts_and_base_url_from_the_config() -> None:
    config = SourceConfig(base_url="http://127.0.0.1:9/api/", connect_timeout_s=0.5, timeout_s=3)
    client = build_http_client(config)
    assert client.timeout == httpx.Timeout(3, connect=0.5)
    assert str(client.base_url) == "http://127.0.0.1:9/api/"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("3", 3.0),
        ("soon", None),
        (format_datetime(datetime.now(UTC) - timedelta(seconds=5), usegmt=True), 0.0),
    ],
    # ids that do not change with the clock: every pytest-xdist worker must collect the same tests
    ids=["absent", "seconds", "garbage", "date-in-the-past"],
)
def test_retry_after_header(header: str | None, expected: float | None) -> None:
    headers = {} if header is None else {"Retry-After": header}
    assert retry_after_seconds(httpx.Response(429, headers=headers)) == expected


def test_retry_after_as_http_date_in_the_future() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after_seconds(httpx.Response(429, headers={"Retry-After": when}))
    assert seconds is not None and 25 < seconds <= 30


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"error": "invalid_api_key", "message": "no"}', "invalid_api_key"),
        (b"<Error><Code>bad_signature</Code><Message>no</Message></Error>", "bad_signature"),
        (b"<html>gateway</html>", "unknown"),
        (b"[1, 2]", "unknown"),
    ],
)
def test_provider_error_code(body: bytes, expected: str) -> None:
    assert provider_error_code(httpx.Response(403, content=body)) == expected


def answering(*statuses: int) -> tuple[httpx.AsyncClient, list[int]]:
    """A client whose upstream answers ``statuses`` in turn (the last one from then on); the list counts
    the requests it saw."""
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(len(seen) + 1)
        return httpx.Response(statuses[min(len(seen), len(statuses)) - 1], json={"error": "busy"})

    return httpx.AsyncClient(base_url="http://upstream", transport=httpx.MockTransport(handler)), seen


FAST_RETRIES = RetryPolicy(
    attempts=3, backoff_initial_s=0.001, backoff_max_s=0.01, max_retry_after_s=1, deadline_s=5
)


async def test_a_failed_first_attempt_is_retried_like_any_other() -> None:
    client, seen = answering(503, 503, 200)
    async with client:
        response = await send(client, "registry", FAST_RETRIES, lambda: client.build_request("GET", "/"))
    assert response.status_code == 200
    assert len(seen) == 3


async def test_retries_stop_after_the_policy_attempts() -> None:
    client, seen = answering(503)
    async with client:
        with pytest.raises(SourceUnavailable) as raised:
            await send(client, "registry", FAST_RETRIES, lambda: client.build_request("GET", "/"))
    assert raised.value.reason == "HTTP 503 after 3 attempt(s)"
    assert len(seen) == 3


async def test_a_rejection_is_never_retried() -> None:
    client, seen = answering(400)
    async with client:
        with pytest.raises(UpstreamRejected):
            await send(client, "registry", FAST_RETRIES, lambda: client.build_request("GET", "/"))
    assert len(seen) == 1

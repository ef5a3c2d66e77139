"""The hub on its real HTTP server (granian, as ``hub serve`` and ``hub demo`` run it), attacked over a
socket: slow headers and slow bodies are cut off, over-size bodies refused before they are sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.app import create_app
from hub.server import embedded
from sandbox.control import SandboxControl
from tests.fixtures.backends import Backend
from tests.fixtures.ports import free_port
from tests.schema.conftest import graph_settings

TIMEOUT_S = 1.0


@pytest.fixture
async def hub_url(
    backend: Backend, tmp_path: Path, sandbox: SandboxControl, engine: object
) -> AsyncIterator[str]:
    port = free_port()
    settings = graph_settings(
        backend, tmp_path, sandbox, port=port, header_timeout_s=TIMEOUT_S, body_timeout_s=TIMEOUT_S
    )
    app = create_app(settings)
    async with embedded(app, settings):
        yield f"http://127.0.0.1:{port}"


async def _exchange(url: str, request: bytes, *, wait_s: float = 10.0) -> tuple[bytes, float]:
    """Send ``request`` and read until the server closes; what came back and after how long."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    started = time.monotonic()
    writer.write(request)
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(), wait_s)
    finally:
        writer.close()
    return answer, time.monotonic() - started


async def test_it_serves_and_answers_health(hub_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{hub_url}/healthz")
    assert response.status_code == 200
    assert response.headers["server"] == "granian"


async def test_a_client_that_does_not_finish_its_headers_is_cut_off(hub_url: str) -> None:
    answer, elapsed = await _exchange(hub_url, b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: ")
    assert b"200 OK" not in answer
    assert elapsed < TIMEOUT_S + 3  # held for ever before


async def test_a_client_that_does_not_send_its_body_is_answered_408(hub_url: str) -> None:
    request = (
        b"POST /graphql HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    answer, elapsed = await _exchange(hub_url, request)
    assert answer.startswith(b"HTTP/1.1 408")
    assert elapsed < TIMEOUT_S + 3


@pytest.mark.parametrize("path", ["/oauth/token", "/graphql"])
async def test_an_oversize_body_is_refused_before_it_is_sent(hub_url: str, path: str) -> None:
    # Only the headers go out: the 300 MB never have to.
    request = f"POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Length: {300 * 1024 * 1024}\r\n\r\n".encode()
    answer, elapsed = await _exchange(hub_url, request)
    assert answer.startswith(b"HTTP/1.1 413")
    assert elapsed < TIMEOUT_S

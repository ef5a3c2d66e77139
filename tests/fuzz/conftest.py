"""A hub served by uvicorn on a free port in a background thread (real HTTP, as clients see it), reading
the session's sandbox, with a client of tenant ``fuzz`` consented by a few firms; on both backends.

The fuzz tests are synchronous (hypothesis drives them), so the hub runs in its own thread and event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from bench.harness import UNLIMITED_RATE, prepare_access
from connectors.config import write_sandbox_sources_file
from foundation.settings import Settings
from foundation.signing_keys import rotate_key_file
from hub.app import create_app
from hub.cache import build_cache, is_redis
from sandbox.control import SandboxControl
from tests.fixtures.backends import Backend


class _ThreadServer(uvicorn.Server):
    """uvicorn without signal handlers (they belong to the main thread)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class FuzzHub:
    http: httpx.Client
    codes: list[str]


async def _forget_cache(settings: Settings) -> None:
    cache = build_cache(settings)
    if is_redis(cache):
        await cache.clear(namespace=settings.cache_namespace)
    await cache.close()


@pytest.fixture
def fuzz_hub(backend: Backend, tmp_path: Path, sandbox: SandboxControl, engine: object) -> Iterator[FuzzHub]:
    """``engine`` (unused here) empties the PostgreSQL tables after the test."""
    key_file = tmp_path / "signing-keys.json"
    rotate_key_file(key_file, token_ttl_s=900)
    core = set(sandbox.credit_codes(limit=100, core=True))
    codes = [code for code in sandbox.credit_codes(limit=20) if code not in core][:8]
    settings = backend.settings(
        sources_file=write_sandbox_sources_file(
            tmp_path / "sources.toml", sandbox.urls, timeout_s=5, deadline_s=10
        ),
        signing_key_file=key_file,
        cache_namespace=f"fuzz-{uuid.uuid4().hex[:12]}",
        **UNLIMITED_RATE,
    )
    client = asyncio.run(prepare_access(settings, codes, tenant="fuzz"))
    server = _ThreadServer(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="fuzz-hub", daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.05)
        assert server.started, "the hub did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        base_url = f"http://127.0.0.1:{port}"
        token = (
            httpx.post(
                f"{base_url}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client.client_id, client.client_secret),
            )
            .raise_for_status()
            .json()["access_token"]
        )
        with httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            yield FuzzHub(http, codes)
    finally:
        server.should_exit = True
        thread.join(15)
        asyncio.run(_forget_cache(settings))

"""A real webhook receiver for the tests and the bench: a starlette app on a free port of 127.0.0.1, served by
uvicorn in a thread of its own (it outlives each test's event loop), recording every request it gets.

``script(path, *statuses)`` makes that path answer those statuses in turn (then 204); ``Receiver.verify``
checks every recorded delivery's signature with standardwebhooks' ``Webhook.verify``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fixtures.ports import free_port


@dataclass(frozen=True)
class Arrival:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.perf_counter()

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    arrivals: list[Arrival] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread = threading.Thread(target=self._run, name="webhook-receiver", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/hook") -> str:
        return self.base_url + path

    def script(self, path: str, *statuses: int) -> None:
        with self._lock:
            self.scripts[path] = list(statuses)

    def at(self, path: str) -> list[Arrival]:
        with self._lock:
            return [arrival for arrival in self.arrivals if arrival.path == path]

    def duplicates(self, path: str) -> Counter[str]:
        """webhook-id → how many times it arrived at ``path``."""
        return Counter(arrival.webhook_id for arrival in self.at(path))

    def verify(self, path: str, secret: str) -> list[dict[str, Any]]:
        """Every body that arrived at ``path``, each verified under ``secret`` (raises on a bad one)."""
        webhook = Webhook(secret)
        return [webhook.verify(arrival.body, arrival.headers) for arrival in self.at(path)]

    async def wait_for(self, path: str, count: int, timeout_s: float = 10.0) -> list[Arrival]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.at(path)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.01)
        raise AssertionError(f"{path}: {len(self.at(path))} of {count} arrived within {timeout_s} s")

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.arrivals.append(Arrival(request.url.path, dict(request.headers), body, time.perf_counter()))
            statuses = self.scripts.get(request.url.path)
            status = statuses.pop(0) if statuses else 204
        return Response(status_code=status)

    def start(self) -> Receiver:
        app = Starlette(routes=[Route("/{path:path}", self._hook, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", access_log=False
        )
        self._server = _Server(config)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(10)

    def _run(self) -> None:
        assert self._server is not None
        asyncio.run(self._server.serve())

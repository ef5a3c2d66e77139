"""Run the providers in the current event loop (:func:`run_sandboxes`) or a thread (:class:`SandboxThread`).

async with run_sandboxes() as urls:          # free ports, every provider
    httpx.get(urls["registry"] + "/_sandbox/enterprises")
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass

import uvicorn

from sandbox.common import ProviderConfig
from sandbox.credentials import Credentials
from sandbox.faults import FaultSettings
from sandbox.providers import DEFAULT_CREDENTIALS, PROVIDERS, SANDBOX_PROVIDERS
from sandbox.universe import build_universe

BASE_PORT = 9101
DEFAULT_PORTS = {name: BASE_PORT + provider.port_offset for name, provider in SANDBOX_PROVIDERS.items()}
"""Provider name → its default port (the base port plus its offset), in port order."""
DEFAULT_SEED = 20261125
DEFAULT_SIZE = 2000


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its host (several share one process, or run in a thread)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle's algorithm off only on sockets whose protocol is TCP,
    # and without that every request on a kept-alive connection waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _base_url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.asynccontextmanager
async def run_sandboxes(
    host: str = "127.0.0.1",
    ports: Mapping[str, int] | None = None,
    providers: Sequence[str] | None = None,
    seed: int = DEFAULT_SEED,
    size: int = DEFAULT_SIZE,
    faults: FaultSettings | None = None,
    credentials: Mapping[str, Credentials] | None = None,
    configs: Mapping[str, ProviderConfig] | None = None,
) -> AsyncIterator[dict[str, str]]:
    """Start providers inside the running event loop and yield ``{name: base URL}``; stop them on exit.

    Parameters:
        ports: port per provider; a provider not in it (or ``ports=None``) gets a free port.
        providers: which to run (default all of :data:`sandbox.providers.PROVIDERS`); unknown names raise
            ``ValueError``.
        seed, size: the universe.
        faults: the fault settings every provider starts with (trade keeps its own rate limit if 0).
        credentials: per provider, replacing :data:`sandbox.providers.DEFAULT_CREDENTIALS`.
        configs: a provider's whole config (token lifetime, signature window …), replacing the one built
            from ``faults`` and ``credentials``.
    """
    names = list(providers or PROVIDERS)
    unknown = sorted(set(names) - set(PROVIDERS))
    if unknown:
        raise ValueError(f"unknown provider(s) {', '.join(unknown)}; known: {', '.join(PROVIDERS)}")
    universe = build_universe(seed, size)
    accepted = {**DEFAULT_CREDENTIALS, **(credentials or {})}
    servers: list[_EmbeddedServer] = []
    tasks: list[asyncio.Task[None]] = []
    sockets: list[socket.socket] = []
    urls: dict[str, str] = {}
    try:
        for name in names:
            sock = _bind(host, (ports or {}).get(name, 0))
            sockets.append(sock)
            config = (configs or {}).get(name) or ProviderConfig(accepted[name], faults or FaultSettings())
            app = PROVIDERS[name](universe, config)
            server = _EmbeddedServer(
                uvicorn.Config(
                    app, log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1
                )
            )
            servers.append(server)
            tasks.append(asyncio.create_task(server.serve(sockets=[sock]), name=f"sandbox-{name}"))
            urls[name] = _base_url(host, sock)
        while not all(server.started for server in servers):
            failed = next((task for task in tasks if task.done()), None)
            if failed is not None:
                raise RuntimeError(f"{failed.get_name()} stopped while starting") from failed.exception()
            await asyncio.sleep(0.01)
        yield urls
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for sock in sockets:
            sock.close()


@dataclass
class _Running:
    loop: asyncio.AbstractEventLoop
    stop: asyncio.Event


class SandboxThread:
    """The providers in a daemon thread with its own event loop: outlives per-test event loops.

    Takes the keyword arguments of :func:`run_sandboxes`; ``start()`` returns once they answer.
    """

    def __init__(self, **options: object) -> None:
        self.options = options
        self.urls: dict[str, str] = {}
        self._ready = threading.Event()
        self._running: _Running | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)

    def start(self, timeout_s: float = 60) -> dict[str, str]:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise TimeoutError(f"the sandbox did not start within {timeout_s} s")
        if self._error is not None:
            raise RuntimeError("the sandbox failed to start") from self._error
        return self.urls

    def stop(self, timeout_s: float = 10) -> None:
        if self._running is not None:
            self._running.loop.call_soon_threadsafe(self._running.stop.set)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported to start(); the thread must not die silently
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        async with run_sandboxes(**self.options) as urls:  # type: ignore[arg-type]
            self.urls = urls
            self._running = _Running(asyncio.get_running_loop(), asyncio.Event())
            self._ready.set()
            await self._running.stop.wait()

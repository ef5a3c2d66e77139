"""An asyncio-native network backend for httpcore: the connectors' HTTP connections without anyio.

httpcore's default backend runs every read and write through anyio (a cancel scope per call) and, before
each request, asks every idle pooled connection whether the server closed it: through anyio that is a
fresh dict of socket attributes (``getpeername`` included) and a ``poll`` per connection per request,
~10% of a bulk sync's CPU. Here each connection is an :class:`asyncio.Protocol` that already knows whether
the server sent anything or closed (``is_readable`` is a flag), and timeouts are ``asyncio.timeout``.

Errors are httpcore's (``ConnectError``, ``ReadTimeout`` …), which httpx maps to its own exceptions as
with the default backend, so retries and error classification see no difference.
"""

# ruff: noqa: ASYNC109 - the ``timeout`` parameters are httpcore's interface, applied with asyncio.timeout
from __future__ import annotations

import asyncio
import functools
import inspect
import ipaddress
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, cast

import httpcore
from httpcore import AsyncNetworkBackend, AsyncNetworkStream

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
HIGH_WATER = 256 * 1024  # buffered unread bytes before the socket stops being read
HAPPY_EYEBALLS_DELAY_S = 0.25  # RFC 8305's recommended connection attempt delay


class _Connection(asyncio.Protocol):
    """Bytes received and not yet read, end of stream, and the waiters of a reader and a writer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self._paused_reading = False
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's own transports or uvloop's (the same interface, not subclasses of asyncio.Transport).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > HIGH_WATER and self.transport is not None and not self._paused_reading:
            self.transport.pause_reading()
            self._paused_reading = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False  # close the transport: HTTP/1.1 has no use for a half-closed connection

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake_reader()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        if self._writable is None or self._writable.done():
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def _wake_reader(self) -> None:
        if self._readable is not None and not self._readable.done():
            self._readable.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        data = bytes(self.buffer[:max_bytes])
        del self.buffer[:max_bytes]
        if self._paused_reading and len(self.buffer) <= HIGH_WATER // 4 and self.transport is not None:
            self.transport.resume_reading()
            self._paused_reading = False
        return data

    async def wait_readable(self) -> None:
        self._readable = asyncio.get_running_loop().create_future()
        try:
            await self._readable
        finally:
            self._readable = None

    async def wait_writable(self) -> None:
        if self._writable is not None and not self._writable.done():
            await self._writable


class AsyncioStream(AsyncNetworkStream):
    """One TCP (or TLS) connection read and written through its :class:`_Connection`."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        if not connection.buffer and not connection.eof:
            try:
                async with asyncio.timeout(timeout):
                    await connection.wait_readable()
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the upstream") from None
        if connection.buffer:
            return connection.take(max_bytes)
        if connection.error is not None:
            raise httpcore.ReadError(str(connection.error) or type(connection.error).__name__)
        return b""  # end of stream: h11 tells a complete answer from one cut short

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("connection closed")
        self._transport.write(buffer)
        try:
            async with asyncio.timeout(timeout):
                await self._connection.wait_writable()
        except TimeoutError:
            raise httpcore.WriteTimeout("timed out writing to the upstream") from None
        if self._connection.error is not None:
            raise httpcore.WriteError(str(self._connection.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._connection, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError) as error:
            self._transport.abort()
            raise httpcore.ConnectError(str(error)) from error
        if transport is None:  # pragma: no cover - only when the loop closes under us
            raise httpcore.ConnectError("TLS handshake aborted")
        self._connection.transport = transport
        return AsyncioStream(transport, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # An idle kept-alive connection that has data or an end of stream was closed by the server.
            return bool(self._connection.buffer) or self._connection.eof
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(AsyncNetworkBackend):
    """httpcore's network backend on plain asyncio (TCP only: the connectors never use Unix sockets)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await _connector(loop, host)(
                    _Connection, host, port, local_addr=None if local_address is None else (local_address, 0)
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection to {host}:{port} in time") from None
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error
        raw = transport.get_extra_info("socket")  # TCP_NODELAY is already set: asyncio does it for TCP
        for option in socket_options or ():
            raw.setsockopt(*option)
        return AsyncioStream(cast(asyncio.Transport, transport), connection)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> AsyncNetworkStream:
        raise httpcore.ConnectError("Unix sockets are not supported by the connectors' backend")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _connector(loop: asyncio.AbstractEventLoop, host: str) -> Callable[..., Awaitable[tuple[Any, Any]]]:
    """``loop.create_connection`` with Happy Eyeballs as anyio does, for names (one dead address family must
    not cost a connect timeout); not for an address, which has one family (Python 3.11's staggered race
    can leave a connected socket unclosed when the connect is cancelled), nor on a loop without it
    (uvloop: addresses in turn)."""
    if _is_address(host) or not _has_happy_eyeballs(type(loop)):
        return loop.create_connection
    return functools.partial(loop.create_connection, happy_eyeballs_delay=HAPPY_EYEBALLS_DELAY_S)


_HAPPY_EYEBALLS: dict[type, bool] = {}


def _has_happy_eyeballs(loop_type: type) -> bool:
    known = _HAPPY_EYEBALLS.get(loop_type)
    if known is None:
        try:
            parameters = inspect.signature(loop_type.create_connection).parameters  # type: ignore[attr-defined]
            known = "happy_eyeballs_delay" in parameters
        except (TypeError, ValueError):  # a compiled loop (uvloop) without a signature to read
            known = False
        _HAPPY_EYEBALLS[loop_type] = known
    return known


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True

"""Request bodies at the HTTP edge: bounded in size and in the time they take to arrive.

An ASGI middleware in front of every route. A body declared larger than its route's limit
(``Content-Length``) is refused with 413 before a byte of it is read; a body without a length is read up to
the limit and refused as soon as it passes it, so at most the limit is ever held in memory. The whole body
must arrive within ``HUB_BODY_TIMEOUT_S`` (a client trickling it is answered 408 and disconnected). The
route then gets the body at once, as one message; a request without one (HTTP/1 with neither
``Content-Length`` nor ``Transfer-Encoding``, or a declared 0) goes straight to the route. The headers' own
timeout is the server's (``HUB_HEADER_TIMEOUT_S``, :mod:`hub.server`).

Limits: ``/graphql`` ``HUB_MAX_BODY_BYTES`` (256 KiB by default: the largest legitimate document is a few
KiB, variables with 100 credit codes about 2 KiB); ``/oauth/*`` and everything else 16 KiB (forms of a
few parameters). Refusals speak each route's language: a GraphQL error with ``extensions.code`` on
``/graphql``, an RFC 6749 error object on ``/oauth/*``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.errors import BadRequest, HubError, PayloadTooLarge

HTTP1 = frozenset({"1.0", "1.1"})  # HTTP/2 and 3 frame a body without either header
SMALL_BODY_BYTES = 16 * 1024
"""The limit of every route but ``/graphql``: OAuth forms and bodiless GETs."""


class BodyLimits:
    """Parameters: ``graphql_bytes`` (``/graphql``'s limit), ``other_bytes`` (every other route's),
    ``timeout_s`` (for the whole body to arrive)."""

    def __init__(self, app: ASGIApp, *, graphql_bytes: int, other_bytes: int, timeout_s: float) -> None:
        self.app = app
        self.graphql_bytes = graphql_bytes
        self.other_bytes = other_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.graphql_bytes if path == "/graphql" else self.other_bytes
        declared, chunked = _framing(scope)
        if declared == -1:
            await _refuse(send, path, 400, BadRequest("Content-Length is not a number"))
            return
        if declared is not None and declared > limit:
            await _refuse(send, path, 413, _too_large(limit))
            return
        if declared == 0 or (declared is None and not chunked and scope.get("http_version") in HTTP1):
            # No body (RFC 9112 §6.3: an HTTP/1 request with neither header has none): nothing to wait
            # for, and the route's own read gets the empty body from the server (a warm GET's path).
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                body, disconnected = await _read_body(receive, limit)
        except TimeoutError:
            refusal = BadRequest(f"the request body did not arrive within {self.timeout_s:g} s")
            await _refuse(send, path, 408, refusal)
            return
        except _TooLarge:
            await _refuse(send, path, 413, _too_large(limit))
            return
        if disconnected:
            return
        await self.app(scope, _replay(body, receive), send)


class _TooLarge(Exception):
    pass


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body is larger than {limit} bytes", limitBytes=limit)


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """The declared length (None when there is none, -1 when it is not a number), and whether the body
    comes in chunks (``Transfer-Encoding``)."""
    length: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length" and length is None:
            length = int(value) if value.isdigit() else -1
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The whole body (raising :class:`_TooLarge` past ``limit``), and whether the client went away."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """A ``receive`` giving the body read already, then the client's own messages (a disconnect)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _refuse(send: Send, path: str, status: int, error: HubError) -> None:
    if path.startswith("/oauth/"):
        document: dict[str, object] = {"error": "invalid_request", "error_description": error.message}
    else:
        document = {
            "errors": [{"message": error.message, "extensions": {"code": error.code, **error.extensions}}]
        }
    body = json.dumps(document).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        # The rest of the body is not read: the connection cannot carry another request.
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

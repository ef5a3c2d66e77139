"""Bodies at the edge, as a client sees them: 413 before an over-size body is read, 408 for a body that
does not arrive in time, and the body handed on whole otherwise."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from hub.http_limits import BodyLimits

LIMIT = 1024


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    message = await receive()
    body = message.get("body", b"")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"got %d" % len(body)})


def limited() -> BodyLimits:
    return BodyLimits(echo, graphql_bytes=LIMIT, other_bytes=LIMIT // 4, timeout_s=0.3)


def scope(path: str, content_length: int | None = None) -> Scope:
    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    return {"type": "http", "method": "POST", "path": path, "headers": headers}


class Client:
    """Sends ``chunks`` (then waits for ever, like a stalled client) and records what it got back."""

    def __init__(self, chunks: list[bytes], *, stall: bool = False) -> None:
        self.chunks = chunks
        self.stall = stall
        self.reads = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        self.reads += 1
        if self.reads <= len(self.chunks):
            more = self.stall or self.reads < len(self.chunks)
            return {"type": "http.request", "body": self.chunks[self.reads - 1], "more_body": more}
        await asyncio.Event().wait()  # the client sends nothing more
        raise AssertionError("unreachable")

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def document(self) -> Any:
        return json.loads(self.sent[1]["body"])

    def header(self, name: bytes) -> bytes | None:
        return dict(self.sent[0]["headers"]).get(name)


async def test_a_declared_oversize_body_is_refused_before_it_is_read() -> None:
    client = Client([b"x" * 10])
    await limited()(scope("/graphql", content_length=30 * 1024 * 1024), client.receive, client.send)
    assert client.status == 413 and client.reads == 0
    assert client.document["errors"][0]["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "limitBytes": LIMIT}
    assert client.header(b"connection") == b"close"


async def test_oauth_bodies_are_small_and_refused_in_oauth_terms() -> None:
    client = Client([])
    await limited()(scope("/oauth/token", content_length=300 * 1024 * 1024), client.receive, client.send)
    assert client.status == 413 and client.reads == 0
    assert client.document["error"] == "invalid_request"
    assert "larger than 256 bytes" in client.document["error_description"]


async def test_an_undeclared_body_is_refused_once_it_passes_the_limit() -> None:
    client = Client([b"x" * 300] * 100)  # 30 KB in chunks, no Content-Length
    await limited()(scope("/graphql"), client.receive, client.send)
    assert client.status == 413
    assert client.reads == 4  # 1,200 bytes read: never more than the limit and one chunk


async def test_a_body_that_stalls_is_answered_408_after_the_timeout() -> None:
    client = Client([b"{"], stall=True)
    await asyncio.wait_for(limited()(scope("/graphql", content_length=100), client.receive, client.send), 5)
    assert client.status == 408
    assert client.document["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "did not arrive within 0.3 s" in client.document["errors"][0]["message"]


async def test_a_body_within_the_limit_reaches_the_route_whole() -> None:
    client = Client([b"a" * 500, b"b" * 500])
    await limited()(scope("/graphql", content_length=1000), client.receive, client.send)
    assert client.status == 200 and client.sent[1]["body"] == b"got 1000"


async def test_a_garbled_length_is_a_bad_request() -> None:
    client = Client([])
    request = {**scope("/graphql"), "headers": [(b"content-length", b"12abc")]}
    await limited()(request, client.receive, client.send)
    assert client.status == 400 and client.reads == 0


async def answers_without_reading(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_a_bodiless_http1_request_reaches_the_route_without_a_read() -> None:
    """An HTTP/1 request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3):
    nothing is awaited for it; so too a declared length of 0."""
    limits = BodyLimits(answers_without_reading, graphql_bytes=LIMIT, other_bytes=LIMIT, timeout_s=0.3)
    for request in (
        {**scope("/graphql"), "method": "GET", "http_version": "1.1"},
        {**scope("/graphql", content_length=0), "http_version": "2"},
    ):
        client = Client([], stall=True)
        await asyncio.wait_for(limits(request, client.receive, client.send), 5)
        assert client.status == 204 and client.reads == 0


async def test_a_body_without_a_length_is_still_read_and_bounded_where_it_can_come() -> None:
    """Chunked on HTTP/1.1, or on HTTP/2 (whose frames carry a body without either header)."""
    chunked = {**scope("/graphql"), "http_version": "1.1", "headers": [(b"transfer-encoding", b"chunked")]}
    for request in (chunked, {**scope("/graphql"), "http_version": "2"}):
        client = Client([b"x" * 300] * 100)
        await limited()(request, client.receive, client.send)
        assert client.status == 413 and client.reads == 4

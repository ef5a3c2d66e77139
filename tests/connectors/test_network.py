"""The connectors' asyncio network backend under httpcore: keep-alive, a server that closes, timeouts, big
bodies, a body cut short and TLS, each against a small raw asyncio server that plays the upstream."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.config import SourceConfig
from connectors.http import AsyncioTransport, build_http_client
from connectors.network import HIGH_WATER, AsyncioBackend, _is_address

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Upstream:
    """A raw HTTP/1.1 server: ``handler`` answers each connection; ``connections`` counts them."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await self.handler(reader, writer)
        finally:
            writer.close()


@asynccontextmanager
async def upstream(
    handler: Handler, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[Upstream, int]]:
    server_side = Upstream(handler)
    server = await asyncio.start_server(server_side.serve, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield server_side, port


async def read_request(reader: asyncio.StreamReader) -> bool:
    """Read one request head (GET, no body); False at the end of the connection."""
    try:
        await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return False
    return True


def answer(body: bytes, *, length: int | None = None) -> bytes:
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length or len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while await read_request(reader):
        writer.write(answer(b'{"ok": true}'))
        await writer.drain()


def config(port: int, scheme: str = "http", **overrides: object) -> SourceConfig:
    return SourceConfig.model_validate({"base_url": f"{scheme}://127.0.0.1:{port}", **overrides})


async def test_requests_go_through_the_asyncio_backend_and_reuse_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connects: list[str] = []
    connect_tcp = AsyncioBackend.connect_tcp

    async def counted(self: AsyncioBackend, host: str, port: int, **options: object) -> object:
        connects.append(host)
        return await connect_tcp(self, host, port, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", counted)
    async with upstream(keep_alive) as (server, port), build_http_client(config(port)) as client:
        for _ in range(3):
            response = await client.get("/")
            assert response.json() == {"ok": True}
        raw = response.extensions["network_stream"].get_extra_info("socket")
        assert raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)  # no Nagle wait on kept-alive requests
    assert connects == ["127.0.0.1"]
    assert server.connections == 1


async def test_a_connection_the_server_closed_is_not_reused() -> None:
    closed = asyncio.Event()

    async def one_answer_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b'{"n": 1}'))  # says nothing of closing: the client keeps the connection
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        closed.set()

    async with upstream(one_answer_then_close) as (server, port), build_http_client(config(port)) as client:
        assert (await client.get("/")).json() == {"n": 1}
        await closed.wait()
        await asyncio.sleep(0.05)  # lets the event loop take the end of stream in
        assert (await client.get("/")).json() == {"n": 1}  # a fresh connection, not a failed reuse
    assert server.connections == 2


async def test_no_answer_in_time_is_httpx_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # until the client gives up

    async with upstream(silent) as (_, port), build_http_client(config(port, timeout_s=0.2)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/")


async def test_refused_connection_is_httpx_connect_error() -> None:
    async with upstream(keep_alive) as (_, port):
        pass  # closed again: nobody listens on the port
    async with build_http_client(config(port)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/")


async def test_a_body_larger_than_the_read_buffer_arrives_whole() -> None:
    body = bytes(range(256)) * (4 * HIGH_WATER // 256 + 7)  # reading pauses and resumes several times

    async def big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await read_request(reader):
            writer.write(answer(body))
            await writer.drain()

    async with upstream(big) as (_, port), build_http_client(config(port)) as client:
        for _ in range(2):
            assert (await client.get("/")).content == body


async def test_a_body_cut_short_is_an_error_not_a_short_answer() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b'{"partial"', length=1000))
        await writer.drain()

    async with upstream(cut) as (_, port), build_http_client(config(port)) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/")


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


async def test_tls_upstream_verified_against_the_given_context(tmp_path: Path) -> None:
    cert_file, key_file = self_signed(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))
    async with upstream(keep_alive, tls=server_tls) as (server, port):
        transport = AsyncioTransport(ssl_context=trusting, limits=httpx.Limits(max_connections=4))
        async with httpx.AsyncClient(base_url=f"https://127.0.0.1:{port}", transport=transport) as client:
            for _ in range(2):
                response = await client.get("/")
                assert response.json() == {"ok": True}
                assert response.extensions["network_stream"].get_extra_info("ssl_object") is not None
        assert server.connections == 1
        # The connectors' default context trusts public CAs only: a self-signed upstream is refused.
        async with build_http_client(config(port, "https")) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("/")


async def test_the_connectors_client_keeps_no_cookies() -> None:
    heads: list[bytes] = []

    async def sets_a_cookie(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                heads.append((await reader.readuntil(b"\r\n\r\n")).lower())
            except asyncio.IncompleteReadError:
                return
            body = b"{}"
            writer.write(
                b"HTTP/1.1 200 OK\r\nSet-Cookie: session=abc; Path=/\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()

    async with upstream(sets_a_cookie) as (_, port), build_http_client(config(port)) as client:
        await client.get("/")
        await client.get("/")
        assert not client.cookies
    assert len(heads) == 2
    assert b"cookie:" not in heads[1]  # one enterprise's answer never leaks state into the next request


def test_happy_eyeballs_only_for_names() -> None:
    # An address has one family: no staggered race (whose cancelled connects can leave sockets unclosed).
    assert all(_is_address(host) for host in ("127.0.0.1", "::1", "[::1]"))
    assert not any(_is_address(host) for host in ("localhost", "tax.example.cn"))


def test_connectors_work_on_uvloop_the_servers_loop() -> None:
    # hub serve runs on uvloop, whose create_connection takes no happy_eyeballs_delay.
    async def fetch_by_name() -> object:
        async with upstream(keep_alive) as (_, port):
            named = SourceConfig.model_validate({"base_url": f"http://localhost:{port}"})
            async with build_http_client(named) as client:
                return (await client.get("/")).json()

    assert uvloop.run(fetch_by_name()) == {"ok": True}

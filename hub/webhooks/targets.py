"""Which URLs a webhook may call. In dev any http(s) URL; in prod (``HUB_ENV=prod``) https only, and its host
must resolve to public addresses only (no private, loopback, link-local, multicast, reserved or unspecified
one: the hub must not be turned into a probe of its own network) unless the host is in
``HUB_WEBHOOK_ALLOWED_HOSTS``. Checked at creation and again before each delivery (a name may resolve
elsewhere later)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Final
from urllib.parse import urlsplit

from foundation.errors import BadRequest
from foundation.settings import Settings

MAX_URL_LENGTH: Final = 2000


def _refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    for what, refused in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("private", address.is_private),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("unspecified", address.is_unspecified),
    ):
        if refused:
            return what
    return None


async def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise BadRequest(f"webhook url: host {host!r} does not resolve ({error})", argument="url") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


async def checked_target(url: str, settings: Settings) -> str:
    """The URL, or ``BAD_REQUEST`` saying why a webhook may not call it."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise BadRequest(f"webhook url is longer than {MAX_URL_LENGTH} characters", argument="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("webhook url must be an absolute http(s) URL with a host", argument="url")
    if parts.username is not None or parts.password is not None:
        raise BadRequest(
            "webhook url must not carry credentials (the signature authenticates)", argument="url"
        )
    if parts.fragment:
        raise BadRequest("webhook url must not have a fragment", argument="url")
    if settings.env != "prod":
        return url
    if parts.scheme != "https":
        raise BadRequest("webhook url must be https when HUB_ENV=prod", argument="url")
    host = parts.hostname.lower()
    if host in settings.webhook_allowed_hosts:
        return url
    for address in await _addresses(host, parts.port or 443):
        refused = _refused_address(address)
        if refused is not None:
            raise BadRequest(
                f"webhook url: {host} resolves to a {refused} address ({address}); only public addresses "
                "may be called unless the host is in HUB_WEBHOOK_ALLOWED_HOSTS",
                argument="url",
            )
    return url

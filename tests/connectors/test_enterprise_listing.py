"""The sandbox's enterprise listing on the shared plumbing: its total, every code page after page, and a
listing that is not there or not made of codes."""

from __future__ import annotations

import pytest

from connectors.config import SourceConfig
from connectors.enterprise_listing import EnterpriseListing, map_codes
from foundation.errors import UpstreamPayloadError, UpstreamRejected
from sandbox.control import SandboxControl

UNIVERSE = 2000  # the session sandbox's default universe


def registry(sandbox: SandboxControl, path: str = "") -> SourceConfig:
    return SourceConfig(base_url=sandbox.urls["registry"] + path, retries=0)


async def test_total_and_every_code_in_order(sandbox: SandboxControl) -> None:
    listing = EnterpriseListing(registry(sandbox), page_size=300)  # 7 pages, the last one short
    assert await listing.total() == UNIVERSE
    codes = [code async for code in listing.codes()]
    assert len(codes) == len(set(codes)) == UNIVERSE
    assert codes[:5] == sandbox.credit_codes(5)


async def test_a_listing_that_is_not_there_is_a_rejection(sandbox: SandboxControl) -> None:
    with pytest.raises(UpstreamRejected) as raised:
        await EnterpriseListing(registry(sandbox, "/elsewhere")).total()
    assert raised.value.status == 404
    assert raised.value.extensions["source"] == "listing"


def test_codes_must_be_strings() -> None:
    assert map_codes(["91330100AY4CL12T2Y"]) == ["91330100AY4CL12T2Y"]
    with pytest.raises(UpstreamPayloadError) as raised:
        map_codes(["91330100AY4CL12T2Y", 17])
    assert raised.value.field == "creditCodes[1]"

"""The read path on both storage backends against the sandbox: cache, single-flight, snapshots, stale."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiocache.base import BaseCache
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.records import Fetched, RegistryRecord
from connectors.testing import OUTSIDE_UNIVERSE
from foundation.errors import BadCreditCode, SourceUnavailable, UnknownEnterprise
from foundation.settings import Settings
from foundation.storage.models import Snapshot
from hub.sources.reader import SourceReader
from sandbox.control import SandboxControl
from tests.connectors.conftest import CODE, fast_configs
from tests.fixtures.sources import SOURCE_NAMES


async def snapshot_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Snapshot))).scalar_one())


async def forget_cache(cache: BaseCache, settings: Settings) -> None:
    await cache.clear(namespace=settings.cache_namespace)


async def test_fresh_record_is_snapshotted_then_served_from_cache(
    reader: SourceReader, registry: SandboxControl, sessions: async_sessionmaker[AsyncSession]
) -> None:
    before = datetime.now(UTC)
    fetched = await reader.get("registry", CODE)
    assert isinstance(fetched.record, RegistryRecord) and fetched.record.credit_code == CODE
    assert not fetched.stale and fetched.fetched_at >= before and len(fetched.content_hash) == 64
    await reader.flush_snapshots()  # the snapshot is written behind the answer
    assert await snapshot_rows(sessions) == 1

    again = await reader.get("registry", CODE)
    assert again == fetched
    assert registry.stats("registry")["total"] == 1


async def test_concurrent_gets_make_one_upstream_request(
    reader: SourceReader, registry: SandboxControl
) -> None:
    registry.set_faults("registry", latency_ms=200)
    results = await asyncio.gather(*(reader.get("registry", CODE) for _ in range(20)))
    assert len({result.content_hash for result in results}) == 1
    assert registry.stats("registry")["total"] == 1


async def test_upstream_down_serves_the_last_snapshot_marked_stale(
    reader: SourceReader, registry: SandboxControl, cache: BaseCache, settings: Settings
) -> None:
    fresh = await reader.get("registry", CODE)
    await forget_cache(cache, settings)
    registry.set_faults("registry", down=True)
    stale = await reader.get("registry", CODE)
    assert stale.stale
    assert stale.record == fresh.record and stale.content_hash == fresh.content_hash
    assert abs((stale.fetched_at - fresh.fetched_at).total_seconds()) < 0.01  # when it was last confirmed


async def test_open_circuit_still_serves_stale(
    reader: SourceReader, registry: SandboxControl, cache: BaseCache, settings: Settings
) -> None:
    await reader.get("registry", CODE)
    registry.set_faults("registry", down=True)
    for _ in range(2):
        assert await reader.refresh("registry", CODE) == "failed"
    assert reader.circuit_states()["registry"] == "open"
    await forget_cache(cache, settings)
    requests = registry.stats("registry")["total"]
    assert (await reader.get("registry", CODE)).stale
    assert registry.stats("registry")["total"] == requests


async def test_upstream_down_without_snapshot_is_source_unavailable(
    reader: SourceReader, registry: SandboxControl
) -> None:
    registry.set_faults("registry", down=True)
    with pytest.raises(SourceUnavailable) as raised:
        await reader.get("registry", CODE)
    assert raised.value.code == "SOURCE_UNAVAILABLE" and raised.value.source == "registry"


async def test_refresh_writes_a_snapshot_only_when_content_changes(
    reader: SourceReader, registry: SandboxControl, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await reader.refresh("registry", CODE) == "fetched"
    assert await reader.refresh("registry", CODE) == "unchanged"
    assert await snapshot_rows(sessions) == 1
    assert registry.stats("registry")["total"] == 2  # refresh bypasses the cache


async def test_unknown_and_malformed_codes(reader: SourceReader, registry: SandboxControl) -> None:
    with pytest.raises(UnknownEnterprise):
        await reader.get("registry", OUTSIDE_UNIVERSE)
    with pytest.raises(BadCreditCode):
        await reader.get("registry", "91330100AY4CL12T2X")
    assert registry.stats("registry")["total"] == 1


async def test_get_many_answers_each_code_once_in_order(
    reader: SourceReader, registry: SandboxControl
) -> None:
    codes = registry.credit_codes(limit=4)
    await reader.get("registry", codes[0])  # one of them already cached
    asked = [codes[1], codes[0], "bad", codes[2], OUTSIDE_UNIVERSE, codes[1], codes[3]]
    results = await reader.get_many("registry", asked)
    assert list(results) == [codes[1], codes[0], "bad", codes[2], OUTSIDE_UNIVERSE, codes[3]]
    assert isinstance(results["bad"], BadCreditCode)
    assert isinstance(results[OUTSIDE_UNIVERSE], UnknownEnterprise)
    assert all(isinstance(results[code], Fetched) for code in codes)
    assert registry.stats("registry")["total"] == 1 + 4  # the cached one and the 3 others + the unknown


async def test_circuit_states_of_every_configured_source(reader: SourceReader) -> None:
    assert reader.circuit_states() == dict.fromkeys(SOURCE_NAMES, "closed")


async def test_an_unreadable_cache_entry_is_a_miss(
    reader: SourceReader, registry: SandboxControl, cache: BaseCache
) -> None:
    await cache.set(f"source:registry:{CODE}", {"record": {"credit_code": CODE}})
    assert (await reader.get("registry", CODE)).record.credit_code == CODE
    assert registry.stats("registry")["total"] == 1


async def test_a_cache_hit_on_content_already_decoded_is_not_decoded_again(
    reader: SourceReader,
    registry: SandboxControl,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    cache: BaseCache,
) -> None:
    fetched = await reader.get("registry", CODE)
    assert (await reader.get("registry", CODE)).record is fetched.record  # the memo's, not a new decode

    # Another replica on the same cache decodes the entry once, then serves its own memo.
    replica = SourceReader.create(settings, sessions, cache, fast_configs(registry))
    try:
        first = await replica.get("registry", CODE)
        assert first == fetched and first.record is not fetched.record
        assert (await replica.get("registry", CODE)).record is first.record
    finally:
        await replica.aclose()
    assert registry.stats("registry")["total"] == 1


async def test_snapshots_behind_answers_are_written_by_close(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], cache: BaseCache, sandbox: SandboxControl
) -> None:
    reader = SourceReader.create(settings, sessions, cache, fast_configs(sandbox))
    codes = sandbox.credit_codes(limit=3)
    await asyncio.gather(*(reader.get("registry", code) for code in codes))
    await reader.aclose()
    assert await snapshot_rows(sessions) == 3


async def test_a_refresh_without_cache_writes_only_the_snapshot(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], cache: BaseCache, registry: SandboxControl
) -> None:
    reader = SourceReader.create(settings, sessions, cache, fast_configs(registry), refresh_cache=False)
    try:
        assert await reader.refresh("registry", CODE) == "fetched"
    finally:
        await reader.aclose()
    assert await cache.get(f"source:registry:{CODE}") is None
    assert await snapshot_rows(sessions) == 1

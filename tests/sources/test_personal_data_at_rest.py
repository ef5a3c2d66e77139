"""What the read path keeps of a legal representative (snapshots, cache): masks and keyed hashes only; and
entries written before that (clear values) are misses, never served and never a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiocache.base import BaseCache
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.catalog import load_catalog
from connectors.records import Record, RegistryRecord
from connectors.registry_source import RegistryConnector
from connectors.upstream import Upstream
from foundation.errors import SourceUnavailable
from foundation.settings import Settings
from foundation.storage.models import Snapshot
from hub.personal_data import load_personal_data_hasher
from hub.sources.reader import SourceReader
from hub.sources.snapshots import PendingSnapshot, payload_hash, save_snapshots
from sandbox.control import SandboxControl
from tests.connectors.conftest import CODE, fast_configs


def served_representative(sandbox: SandboxControl) -> dict[str, str]:
    """The legal representative as the registry provider serves it (in clear)."""
    document = httpx.get(
        f"{sandbox.urls['registry']}/v1/enterprises/{CODE}",
        headers={"X-API-Key": load_catalog()["registry"].sandbox.credentials["api_key"]},
    ).json()
    person: dict[str, str] = document["legalRepresentative"]
    return person


def in_clear(record: RegistryRecord, person: dict[str, str]) -> dict[str, Any]:
    """``record``'s JSON form as the hub stored it before personal data was masked at rest."""
    payload = record.model_dump(mode="json")
    payload["legal_representative"] = {
        "name": person["name"],
        "id_number": person["idNumber"],
        "phone": person["phone"],
    }
    return payload


def spy_on_writes(cache: BaseCache, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every value written to ``cache`` from now on (whatever its keys)."""
    written: list[object] = []
    multi_set, set_one = cache.multi_set, cache.set

    async def spied_multi_set(pairs: list[tuple[str, object]], *args: Any, **kwargs: Any) -> Any:
        written.extend(value for _, value in pairs)
        return await multi_set(pairs, *args, **kwargs)

    async def spied_set(key: str, value: object, *args: Any, **kwargs: Any) -> Any:
        written.append(value)
        return await set_one(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "multi_set", spied_multi_set)
    monkeypatch.setattr(cache, "set", spied_set)
    return written


async def test_snapshots_and_cache_hold_no_clear_personal_data(
    reader: SourceReader,
    registry: SandboxControl,
    sessions: async_sessionmaker[AsyncSession],
    cache: BaseCache,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = served_representative(registry)
    cached = spy_on_writes(cache, monkeypatch)
    fetched = await reader.get("registry", CODE)
    await reader.flush_snapshots()
    async with sessions() as session:
        stored = (await session.execute(select(Snapshot.payload))).scalar_one()
    assert cached and fetched.record.name in str(cached)
    for kept in (str(stored), str(cached)):
        assert person["idNumber"] not in kept and person["phone"] not in kept
    hasher = load_personal_data_hasher(settings)
    assert stored["legal_representative"]["id_number_hash"] == hasher.id_number(person["idNumber"])
    assert fetched.record == RegistryRecord.model_validate(stored)


class ClearRepresentative(Record):
    name: str
    id_number: str
    phone: str


class ClearRegistryRecord(RegistryRecord):
    """A registry record as the hub kept it before (the ID number and phone in clear)."""

    legal_representative: ClearRepresentative  # type: ignore[assignment]


async def cache_through_a_replica(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    cache: BaseCache,
    sandbox: SandboxControl,
    record: RegistryRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another replica fetches ``record`` and caches it (as it would have, for an old-shape record)."""

    async def fetch(self: RegistryConnector, upstream: Upstream, credit_code: str) -> RegistryRecord:
        return record

    replica = SourceReader.create(settings, sessions, cache, fast_configs(sandbox))
    try:
        with monkeypatch.context() as patch:
            patch.setattr(RegistryConnector, "fetch", fetch)
            await replica.get("registry", CODE)
    finally:
        await replica.aclose()


async def test_a_cached_record_with_clear_values_is_a_miss(
    reader: SourceReader,
    registry: SandboxControl,
    sessions: async_sessionmaker[AsyncSession],
    cache: BaseCache,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = served_representative(registry)
    current = (await reader.get("registry", CODE)).record
    assert isinstance(current, RegistryRecord)
    replica = (settings, sessions, cache, registry)
    # Control: what another replica caches, this reader serves without asking the upstream.
    await cache.clear(namespace=settings.cache_namespace)
    await cache_through_a_replica(*replica, current.model_copy(update={"name": "另一记录"}), monkeypatch)
    registry.reset_stats("registry")
    assert (await reader.get("registry", CODE)).record.name == "另一记录"
    assert registry.stats("registry")["total"] == 0

    await cache.clear(namespace=settings.cache_namespace)
    old = ClearRegistryRecord.model_validate(in_clear(current, person))
    await cache_through_a_replica(*replica, old, monkeypatch)
    fetched = await reader.get("registry", CODE)
    assert registry.stats("registry")["total"] == 1  # fetched again, not served from the old entry
    assert fetched.record == current


async def test_a_snapshot_with_clear_values_is_not_served_when_the_upstream_is_down(
    reader: SourceReader,
    registry: SandboxControl,
    sessions: async_sessionmaker[AsyncSession],
    cache: BaseCache,
    settings: Settings,
) -> None:
    person = served_representative(registry)
    current = await reader.get("registry", CODE)
    assert isinstance(current.record, RegistryRecord)
    await reader.flush_snapshots()
    async with sessions() as session, session.begin():
        await session.execute(delete(Snapshot))
    old = in_clear(current.record, person)
    now = datetime.now(UTC)
    await save_snapshots(sessions, [PendingSnapshot("registry", CODE, payload_hash(old), old, now)])
    await cache.clear(namespace=settings.cache_namespace)
    registry.set_faults("registry", down=True)
    with pytest.raises(SourceUnavailable):
        await reader.get("registry", CODE)

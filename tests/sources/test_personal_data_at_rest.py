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

from connectors.config import SANDBOX_CREDENTIALS
from connectors.records import RegistryRecord
from hub.errors import SourceUnavailable
from hub.personal_data import load_personal_data_hasher
from hub.settings import Settings
from hub.sources.reader import SourceReader
from hub.sources.snapshots import PendingSnapshot, canonical_json, payload_hash, save_snapshots
from hub.storage.models import Snapshot
from tests.connectors.conftest import CODE
from tests.fixtures.sandbox import SandboxHandle


def served_representative(sandbox: SandboxHandle) -> dict[str, str]:
    """The legal representative as the registry provider serves it (in clear)."""
    document = httpx.get(
        f"{sandbox.urls['registry']}/v1/enterprises/{CODE}",
        headers={"X-API-Key": SANDBOX_CREDENTIALS["registry"]["api_key"]},
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


async def test_snapshots_and_cache_hold_no_clear_personal_data(
    reader: SourceReader,
    registry: SandboxHandle,
    sessions: async_sessionmaker[AsyncSession],
    cache: BaseCache,
    settings: Settings,
) -> None:
    person = served_representative(registry)
    fetched = await reader.get("registry", CODE)
    await reader.flush_snapshots()
    async with sessions() as session:
        stored = (await session.execute(select(Snapshot.payload))).scalar_one()
    cached = await cache.get(f"source:registry:{CODE}")
    for kept in (str(stored), cached["record_json"]):
        assert person["idNumber"] not in kept and person["phone"] not in kept
    hasher = load_personal_data_hasher(settings)
    assert stored["legal_representative"]["id_number_hash"] == hasher.id_number(person["idNumber"])
    assert fetched.record == RegistryRecord.model_validate(stored)


async def test_a_cached_record_with_clear_values_is_a_miss(
    reader: SourceReader, registry: SandboxHandle, cache: BaseCache, settings: Settings
) -> None:
    person = served_representative(registry)
    current = await reader.get("registry", CODE)
    assert isinstance(current.record, RegistryRecord)
    await cache.clear(namespace=settings.cache_namespace)
    old = in_clear(current.record, person)
    head = {
        "source": "registry",
        "credit_code": CODE,
        "fetched_at": datetime.now(UTC).isoformat(),
        "content_hash": payload_hash(old),
    }
    entry = {**head, "record_json": canonical_json(old).decode()}
    await cache.multi_set([(f"head:registry:{CODE}", head), (f"source:registry:{CODE}", entry)], ttl=60)
    registry.reset_stats("registry")
    fetched = await reader.get("registry", CODE)
    assert registry.stats("registry")["total"] == 1  # fetched again, not served from the old entry
    assert fetched.record == current.record and fetched.content_hash != head["content_hash"]


async def test_a_snapshot_with_clear_values_is_not_served_when_the_upstream_is_down(
    reader: SourceReader,
    registry: SandboxHandle,
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

"""No bank learns from the read path that another bank looked a firm up: a record one tenant's request
fetched is not served to another from the cache (its fetch time and a warm answer would tell), while what
the operator refreshed (``hub sync``) is read by every tenant."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.sources.reader import SourceReader
from sandbox.control import SandboxControl
from tests.connectors.conftest import CODE


async def test_another_tenants_fetch_is_not_served_from_the_cache(
    reader: SourceReader, registry: SandboxControl
) -> None:
    first = await reader.get("registry", CODE, tenant="bank-a")
    started_b = datetime.now(UTC)
    second = await reader.get("registry", CODE, tenant="bank-b")

    # bank-b's answer is its own fetch: its time says nothing of bank-a's look a moment before.
    assert second.fetched_at >= started_b > first.fetched_at
    assert second.content_hash == first.content_hash
    assert registry.stats("registry")["total"] == 2
    # Each tenant's later reads come from its own entry.
    assert await reader.get("registry", CODE, tenant="bank-a") == first
    assert await reader.get("registry", CODE, tenant="bank-b") == second
    assert registry.stats("registry")["total"] == 2


async def test_what_the_operator_refreshed_is_read_by_every_tenant(
    reader: SourceReader, registry: SandboxControl
) -> None:
    assert await reader.refresh("registry", CODE) == "fetched"
    synced = await reader.get("registry", CODE)  # the operator's own view: the shared partition
    for tenant in ("bank-a", "bank-b"):
        assert await reader.get("registry", CODE, tenant=tenant) == synced
    assert registry.stats("registry")["total"] == 1


async def test_a_tenant_reads_the_newer_of_its_own_entry_and_the_operators(
    reader: SourceReader, registry: SandboxControl
) -> None:
    own = await reader.get("registry", CODE, tenant="bank-a")
    assert await reader.refresh("registry", CODE) == "unchanged"
    newer = await reader.get("registry", CODE, tenant="bank-a")
    assert newer.fetched_at > own.fetched_at
    versions = await reader.cached_versions([("registry", CODE)], tenant="bank-a")
    assert versions == [(newer.content_hash, newer.fetched_at.isoformat())]
    assert registry.stats("registry")["total"] == 2

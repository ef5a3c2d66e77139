"""A SourceReader on the test's storage backend and the session sandbox, with fast retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aiocache.base import BaseCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from foundation.settings import Settings
from hub.sources.reader import SourceReader
from sandbox.control import SandboxControl
from tests.connectors.conftest import fast_configs


@pytest.fixture
def registry(sandbox: SandboxControl) -> Iterator[SandboxControl]:
    """The sandbox with the registry provider reset around the test."""
    sandbox.reset_faults("registry")
    sandbox.reset_stats("registry")
    yield sandbox
    sandbox.reset_faults("registry")
    sandbox.reset_stats("registry")


@pytest.fixture
async def reader(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], cache: BaseCache, sandbox: SandboxControl
) -> AsyncIterator[SourceReader]:
    reader = SourceReader.create(
        settings, sessions, cache, fast_configs(sandbox, retries=1, breaker_threshold=2)
    )
    yield reader
    await reader.aclose()

"""Per-request DataLoaders: one per source over the read path's batch call, and one over live consents.

Created in the view's ``get_context`` for each request (a shared loader would leak one caller's data to
another). Each loader batches and dedupes the keys one request asks for within a tick, and answers one
value or exception per key, in key order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from strawberry.dataloader import DataLoader

from auth.principal import Principal
from connectors.catalog import load_catalog
from connectors.deadline import read_deadline
from connectors.records import Fetched
from connectors.source import SourceName
from foundation.errors import HubError


class SourceReading(Protocol):
    """What the loaders need of the read path (``hub.sources.SourceReader``)."""

    async def get_many(
        self, source: SourceName, credit_codes: Sequence[str], *, tenant: str | None = None
    ) -> Mapping[str, Fetched[Any] | HubError]: ...


class ConsentReading(Protocol):
    """What the consent loader needs of the auth service (``auth.service.AuthService``)."""

    async def live_consents(
        self, tenant_id: str, credit_codes: Sequence[str]
    ) -> Mapping[str, frozenset[str]]: ...


RecordVersions = dict[tuple[SourceName, str], tuple[str, str]]
"""(source, credit code) → (content hash, fetched at, ISO 8601) of each fresh record a request read."""


@dataclass(frozen=True)
class Loaders:
    """``sources[name]`` loads that source's :class:`Fetched[Any]` by credit code; ``consents`` the sources an
    enterprise consented to for the caller's tenant; ``read`` the versions of the fresh records loaded (an
    answer cached from this request is valid while the cache still holds these)."""

    sources: Mapping[SourceName, DataLoader[str, Fetched[Any]]]
    consents: DataLoader[str, frozenset[str]]
    read: RecordVersions


def _source_loader(
    reader: SourceReading,
    source: SourceName,
    max_batch: int,
    read: RecordVersions,
    tenant: str,
    deadline_s: float | None,
) -> DataLoader[str, Fetched[Any]]:
    async def load(credit_codes: list[str]) -> list[Fetched[Any] | BaseException]:
        # a profile's field waits this long for its source at most
        with read_deadline(deadline_s) if deadline_s is not None else nullcontext():
            found = await reader.get_many(source, credit_codes, tenant=tenant)
        for code, fetched in found.items():
            if isinstance(fetched, Fetched) and not fetched.stale:
                read[(source, code)] = (fetched.content_hash, fetched.fetched_at.isoformat())
        return [found[code] for code in credit_codes]

    return DataLoader(load_fn=load, max_batch_size=max_batch)


def _consent_loader(
    consents: ConsentReading, principal: Principal, max_batch: int
) -> DataLoader[str, frozenset[str]]:
    async def load(credit_codes: list[str]) -> list[frozenset[str] | BaseException]:
        live = await consents.live_consents(principal.tenant_id, credit_codes)
        return [live.get(code, frozenset()) for code in credit_codes]

    return DataLoader(load_fn=load, max_batch_size=max_batch)


def create_loaders(
    *,
    reader: SourceReading,
    consents: ConsentReading,
    principal: Principal,
    max_batch: int,
    deadline_s: float | None = None,
) -> Loaders:
    """``deadline_s``: how long a source's reads may take (None: as long as the request's deadline)."""
    read: RecordVersions = {}
    return Loaders(
        sources={
            source: _source_loader(reader, source, max_batch, read, principal.tenant_id, deadline_s)
            for source in load_catalog().names
        },
        consents=_consent_loader(consents, principal, max_batch),
        read=read,
    )

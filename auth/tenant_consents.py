"""Each tenant's live consents held whole per access version, so that a firm read for the first time is
decided without a database query on its answer's path (issue 17: on the cold path the one-firm consent
query stood between a request and its consented sources' fetch).

A firm the per-firm decisions (:meth:`auth.service.AuthService.live_consents`) do not hold is answered by
the one-firm query as before, and starts, once per (tenant, access version, consent day), a background
load of every live consent of the tenant; the tenant's later firms are decided from memory until the
version or the day moves. A map is labelled with the version read before its query, as the per-firm
decisions are, so a change committed meanwhile is seen at the latest with the next version. A tenant with
more than ``max_consents`` live consents is not held (its firms keep the one-firm query).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date

from cachetools import LRUCache

from auth.consent import ConsentBook
from foundation.logging import get_logger

TENANTS_HELD = 64

log = get_logger(__name__)

Held = tuple[int, date, Mapping[str, frozenset[str]] | None]
"""Access version, consent day, the tenant's map (None: more than the bound, not held)."""


class TenantConsentMaps:
    def __init__(self, book: ConsentBook, max_consents: int) -> None:
        self._book = book
        self._max = max_consents
        self._held: LRUCache[str, Held] = LRUCache(TENANTS_HELD)
        self._loading: dict[tuple[str, int, date], asyncio.Task[None]] = {}

    def _current(self, tenant_id: str, version: int, today: date) -> Held | None:
        held = self._held.get(tenant_id)
        return held if held is not None and held[:2] == (version, today) else None

    def get(self, tenant_id: str, version: int, today: date) -> Mapping[str, frozenset[str]] | None:
        """The tenant's map at this version and day, if it is held (a code absent: no live consent)."""
        held = self._current(tenant_id, version, today)
        return held[2] if held is not None else None

    def want(self, tenant_id: str, version: int, today: date) -> None:
        """Start loading the tenant's map at this version and day, unless it is loaded (or known to be over
        the bound) or loading."""
        key = (tenant_id, version, today)
        if self._max <= 0 or key in self._loading or self._current(*key) is not None:
            return
        task = asyncio.get_running_loop().create_task(self._load(key))
        self._loading[key] = task
        task.add_done_callback(lambda _: self._loading.pop(key, None))

    async def _load(self, key: tuple[str, int, date]) -> None:
        tenant_id, version, today = key
        try:
            found = await self._book.live_of_tenant(tenant_id, today, limit=self._max)
        except Exception as error:  # the one-firm query still decides; the next miss tries again
            log.warning("consent_map_load_failed", error=type(error).__name__)
            return
        held = self._held.get(tenant_id)
        if held is None or held[0] <= version:  # never replace a newer version's map by an older one
            self._held[tenant_id] = (version, today, found)

    async def settle(self) -> None:
        """Wait for the loads under way (tests; shutdown)."""
        while self._loading:
            await asyncio.gather(*self._loading.values(), return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._loading.values()):
            task.cancel()
        await asyncio.gather(*self._loading.values(), return_exceptions=True)

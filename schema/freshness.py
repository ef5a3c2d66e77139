"""Where and when a profile's data came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from connectors.records import Fetched


@strawberry.type(description="Provenance of a profile: which source, fetched when, and whether it is stale.")
class Freshness:
    source: str = strawberry.field(description="The upstream source (registry, electricity, …).")
    fetched_at: datetime = strawberry.field(description="When the hub fetched this data from the source.")
    stale: bool = strawberry.field(
        description="True when the source was unreachable and this is the last snapshot the hub kept."
    )
    content_hash: str = strawberry.field(
        description="Hash of the record's content; equal hashes, equal data."
    )

    @classmethod
    def of(cls, fetched: Fetched[Any]) -> Freshness:
        return cls(
            source=fetched.source,
            fetched_at=fetched.fetched_at,
            stale=fetched.stale,
            content_hash=fetched.content_hash,
        )

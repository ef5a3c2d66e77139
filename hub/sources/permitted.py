"""Records as one caller may read them: each (source, firm) once per batch, only with the source's scope and
the firm's live consent to the caller's tenant; elsewhere the read is ``withheld`` and nothing is fetched.

What products and verification read: each read keeps how it went (available, withheld, not found,
unavailable) and, when available, the content hash of the snapshot it is, so a decision made on it can be
replayed from exactly those snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from auth.principal import Principal
from auth.source_access import access_rule
from connectors.records import Fetched, Record
from connectors.source import SourceName
from foundation.errors import HubError, UnknownEnterprise

InputStatus = Literal["available", "withheld", "not_found", "unavailable"]


@dataclass(frozen=True, slots=True)
class SourceInput:
    """One record an assessment read, or why it has none. ``credit_code`` is the firm's, or a related
    firm's (a trade debtor's registry record)."""

    source: str
    credit_code: str
    status: InputStatus
    record: Record | None = None
    content_hash: str | None = None
    fetched_at: datetime | None = None
    withheld_for: Literal["scope", "consent"] | None = None
    stale: bool = False  # served from the latest snapshot: the upstream failed

    def stored(self) -> dict[str, Any]:
        """What an assessment keeps of it (the record itself stays in its snapshot)."""
        return {
            "source": self.source,
            "creditCode": self.credit_code,
            "status": self.status,
            "contentHash": self.content_hash,
            "fetchedAt": self.fetched_at.isoformat() if self.fetched_at else None,
            "withheldFor": self.withheld_for,
            "stale": self.stale,
        }


class RecordReading(Protocol):
    async def get_many(
        self, source: SourceName, credit_codes: Sequence[str], *, tenant: str | None = None
    ) -> Mapping[str, Fetched[Any] | HubError]: ...


@runtime_checkable
class VersionReading(Protocol):
    """A read path that tells what its cache holds without decoding it (hub.sources.reader)."""

    async def cached_versions(
        self, records: Sequence[tuple[SourceName, str]], *, tenant: str | None = None
    ) -> list[tuple[str, str] | None]: ...


class ConsentReading(Protocol):
    async def live_consents(
        self, tenant_id: str, credit_codes: Sequence[str]
    ) -> Mapping[str, frozenset[str]]: ...


def as_input(source: str, credit_code: str, found: Fetched[Any] | HubError | None) -> SourceInput:
    if isinstance(found, Fetched):
        return SourceInput(
            source,
            credit_code,
            "available",
            found.record,
            found.content_hash,
            found.fetched_at,
            stale=found.stale,
        )
    if isinstance(found, UnknownEnterprise):
        return SourceInput(source, credit_code, "not_found")
    return SourceInput(source, credit_code, "unavailable")


async def read_permitted(
    reader: RecordReading,
    principal: Principal,
    consents: Mapping[str, frozenset[str]],
    source: str,
    credit_codes: Sequence[str],
) -> dict[str, SourceInput]:
    allowed, withheld = permitted(principal, consents, source, credit_codes)
    found = await reader.get_many(source, allowed, tenant=principal.tenant_id) if allowed else {}
    return {
        code: as_input(source, code, found.get(code)) if code in found else withheld[code]
        for code in credit_codes
    }


def permitted(
    principal: Principal, consents: Mapping[str, frozenset[str]], source: str, credit_codes: Sequence[str]
) -> tuple[list[str], dict[str, SourceInput]]:
    """The codes whose ``source`` the caller may read, and the withheld reads of the others."""
    rule = access_rule(source)
    scoped = principal.has_scope(rule.scope)
    why: Literal["scope", "consent"] = "consent" if scoped else "scope"
    allowed, withheld = [], {}
    for code in credit_codes:
        if scoped and rule.consented(consents.get(code, frozenset())):
            allowed.append(code)
        else:
            withheld[code] = SourceInput(source, code, "withheld", withheld_for=why)
    return allowed, withheld


def access_outcome(read: SourceInput) -> str:
    """A read as the data-access audit words it."""
    if read.status == "withheld":
        return "forbidden" if read.withheld_for == "scope" else "no_consent"
    if read.status == "available":
        return "stale" if read.stale else "served"
    return {"not_found": "not_found", "unavailable": "unavailable"}[read.status]

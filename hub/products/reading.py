"""The records a product needs for a set of firms, as one caller may read them.

Each (source, firm) is read once, in one batch per source (the read path's ``get_many``), and only where the
caller holds the source's scope and the firm's live consent to its tenant; elsewhere the input is
``withheld`` and nothing is fetched. A trade record's debtors have their registry records read too (whether
a debtor is a core enterprise is the registry's word), within the same rules.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from auth.principal import Principal
from auth.source_access import access_rule
from connectors.records import Fetched
from connectors.source import SourceName
from foundation.errors import HubError, UnknownEnterprise
from hub.products.assessment import FirmInputs, SourceInput
from hub.products.documents import CompiledProduct
from hub.products.facts import fact_sets

REGISTRY = "registry"


class RecordReading(Protocol):
    async def get_many(
        self, source: SourceName, credit_codes: Sequence[str], *, tenant: str | None = None
    ) -> Mapping[str, Fetched[Any] | HubError]: ...


class ConsentReading(Protocol):
    async def live_consents(
        self, tenant_id: str, credit_codes: Sequence[str]
    ) -> Mapping[str, frozenset[str]]: ...


def _input(source: str, credit_code: str, found: Fetched[Any] | HubError | None) -> SourceInput:
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


async def _read(
    reader: RecordReading,
    principal: Principal,
    consents: Mapping[str, frozenset[str]],
    source: str,
    credit_codes: Sequence[str],
) -> dict[str, SourceInput]:
    rule = access_rule(source)
    scoped = principal.has_scope(rule.scope)
    allowed = [code for code in credit_codes if scoped and rule.consented(consents.get(code, frozenset()))]
    found = await reader.get_many(source, allowed, tenant=principal.tenant_id) if allowed else {}
    why: Literal["scope", "consent"] = "consent" if scoped else "scope"
    return {
        code: _input(source, code, found.get(code))
        if code in found
        else SourceInput(source, code, "withheld", withheld_for=why)
        for code in credit_codes
    }


async def read_inputs(
    reader: RecordReading,
    consents: ConsentReading,
    principal: Principal,
    products: Sequence[CompiledProduct],
    credit_codes: Sequence[str],
) -> dict[str, FirmInputs]:
    """Every firm's inputs for ``products`` (what any of them reads), by credit code (codes already
    checked, distinct)."""
    live = await consents.live_consents(principal.tenant_id, list(credit_codes))
    sources = sorted({source for product in products for source in product.sources})
    namespaces = {namespace for product in products for namespace in product.namespaces}
    by_source = dict(
        zip(
            sources,
            await asyncio.gather(
                *(_read(reader, principal, live, source, credit_codes) for source in sources)
            ),
            strict=True,
        )
    )
    related: dict[str, set[str]] = {code: set() for code in credit_codes}
    for namespace in sorted(namespaces):
        facts = fact_sets()[namespace]
        if facts.related is None or facts.source not in by_source:
            continue
        for code, read in by_source[facts.source].items():
            if read.record is not None:
                related[code] |= facts.related(read.record)
    wanted = sorted({other for others in related.values() for other in others})
    related_reads: dict[str, SourceInput] = {}
    if wanted:
        # Registry records need no consent, only the scope (see its declaration).
        related_reads = await _read(reader, principal, {}, REGISTRY, wanted)
    return {
        code: FirmInputs(
            code,
            {source: by_source[source][code] for source in sources},
            {other: related_reads[other] for other in sorted(related[code]) if other in related_reads},
        )
        for code in credit_codes
    }


def access_outcome(read: SourceInput) -> str:
    """A read as the data-access audit words it."""
    if read.status == "withheld":
        return "forbidden" if read.withheld_for == "scope" else "no_consent"
    if read.status == "available":
        return "stale" if read.stale else "served"
    return {"not_found": "not_found", "unavailable": "unavailable"}[read.status]

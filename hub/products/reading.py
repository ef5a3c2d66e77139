"""The records a product needs for a set of firms, as one caller may read them.

Each (source, firm) is read once, in one batch per source (the read path's ``get_many``), and only where the
caller holds the source's scope and the firm's live consent to its tenant; elsewhere the input is
``withheld`` and nothing is fetched. A trade record's debtors have their registry records read too (whether
a debtor is a core enterprise is the registry's word), within the same rules.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from auth.principal import Principal
from hub.products.assessment import FirmInputs
from hub.products.facts import fact_sets
from hub.sources.permitted import ConsentReading, RecordReading, SourceInput, read_permitted
from hub.verification.reading import read_neighbourhoods

REGISTRY = "registry"
VERIFICATION = "verification"


class Reads(Protocol):
    """What a reader of firms' records needs to know (a compiled product; an alert evaluation's sources)."""

    @property
    def sources(self) -> frozenset[str]: ...

    @property
    def namespaces(self) -> frozenset[str]: ...


async def read_inputs(
    reader: RecordReading,
    consents: ConsentReading,
    principal: Principal,
    products: Sequence[Reads],
    credit_codes: Sequence[str],
    *,
    as_of: date,
    verification_parameters: Mapping[str, Mapping[str, float]] | None = None,
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
                *(read_permitted(reader, principal, live, source, credit_codes) for source in sources)
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
        related_reads = await read_permitted(reader, principal, {}, REGISTRY, wanted)
    neighbourhoods = (
        await read_neighbourhoods(reader, consents, principal, credit_codes, as_of=as_of)
        if VERIFICATION in namespaces
        else {}
    )
    firms = {}
    for code in credit_codes:
        own = {source: by_source[source][code] for source in sources}
        others = {
            (REGISTRY, other): related_reads[other]
            for other in sorted(related[code])
            if other in related_reads
        }
        if code in neighbourhoods:
            # The verification's reads of the firm stand beside the product's (the same records).
            own = {**neighbourhoods[code].own, **own}
            others = {**neighbourhoods[code].others, **others}
        edges = neighbourhoods[code].edges if code in neighbourhoods else {}
        firms[code] = FirmInputs(code, own, others, verification_parameters, edges)
    return firms

"""Who a simulation runs over: listed firms, a region, an industry, or a core enterprise's supply chain.

Regions and industries are taken from the firms the hub has seen (those with a registry snapshot): a region
is a division code prefix of the credit code (2 digits: province, 4: city, 6: county), an industry a GB/T
4754 code (``C17``) or the registry's industry word (``textiles``). A supply chain is the core's direct
suppliers and distributors from its trade record, which the caller must be allowed to read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from auth.principal import Principal
from auth.source_access import access_rule
from connectors.records import Fetched, RegistryRecord, TradeRecord
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest, Forbidden, NoConsent
from hub.sources.permitted import ConsentReading, RecordReading
from hub.supply_chain import links_of

MAX_POPULATION = 5000


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    credit_codes: Sequence[str] | None = None
    region: str | None = None
    industry: str | None = None
    supply_chain_of: str | None = None

    def describe(self) -> str:
        if self.credit_codes is not None:
            return f"{len(self.credit_codes)} listed firms"
        if self.region is not None:
            return f"region {self.region}"
        if self.industry is not None:
            return f"industry {self.industry}"
        return f"supply chain of {self.supply_chain_of}"


def _one_chosen(spec: PopulationSpec) -> None:
    chosen = [
        name
        for name, value in (
            ("creditCodes", spec.credit_codes),
            ("region", spec.region),
            ("industry", spec.industry),
            ("supplyChainOf", spec.supply_chain_of),
        )
        if value is not None
    ]
    if len(chosen) != 1:
        raise BadRequest(
            "population takes exactly one of creditCodes, region, industry, supplyChainOf"
            + (f" (got {', '.join(chosen)})" if chosen else ""),
            argument="population",
        )


async def resolve_population(
    spec: PopulationSpec,
    *,
    principal: Principal,
    reader: RecordReading,
    consents: ConsentReading,
    known: Callable[[], Awaitable[list[str]]],
) -> list[str]:
    """The population's credit codes (distinct, in a stable order); BAD_REQUEST when over the bound."""
    _one_chosen(spec)
    if spec.credit_codes is not None:
        codes = list(dict.fromkeys(checked_credit_code(code) for code in spec.credit_codes))
    elif spec.region is not None:
        if not spec.region.isdigit() or len(spec.region) not in (2, 4, 6):
            raise BadRequest(
                "region is a division code of 2 (province), 4 (city) or 6 (county) digits", argument="region"
            )
        codes = [code for code in await known() if code[2 : 2 + len(spec.region)] == spec.region]
    elif spec.industry is not None:
        codes = await _of_industry(spec.industry, principal, reader, await known())
    else:
        assert spec.supply_chain_of is not None
        codes = await _supply_chain(checked_credit_code(spec.supply_chain_of), principal, reader, consents)
    if len(codes) > MAX_POPULATION:
        raise BadRequest(
            f"the population has {len(codes)} firms, more than {MAX_POPULATION}", argument="population"
        )
    return codes


async def _of_industry(
    industry: str, principal: Principal, reader: RecordReading, known: list[str]
) -> list[str]:
    rule = access_rule("registry")
    if not principal.has_scope(rule.scope):
        raise Forbidden(f"a population by industry needs the scope {rule.scope}", scope=rule.scope)
    found = await reader.get_many("registry", known, tenant=principal.tenant_id)
    return [
        code
        for code in known
        if isinstance(read := found.get(code), Fetched)
        and isinstance(read.record, RegistryRecord)
        and industry in (read.record.industry_code, read.record.industry)
    ]


async def _supply_chain(
    core: str, principal: Principal, reader: RecordReading, consents: ConsentReading
) -> list[str]:
    rule = access_rule("trade")
    if not principal.has_scope(rule.scope):
        raise Forbidden(f"a supply-chain population needs the scope {rule.scope}", scope=rule.scope)
    live = await consents.live_consents(principal.tenant_id, [core])
    if not rule.consented(live.get(core, frozenset())):
        raise NoConsent(
            f"enterprise {core} has no live consent for trade to your tenant", source="trade", creditCode=core
        )
    found = (await reader.get_many("trade", [core], tenant=principal.tenant_id)).get(core)
    if not isinstance(found, Fetched) or not isinstance(found.record, TradeRecord):
        raise BadRequest(f"the trade record of {core} cannot be read now", argument="supplyChainOf")
    links = links_of(core, found.record, None, roles=("supplier", "distributor"), tier=1)
    return list(dict.fromkeys(link.credit_code for link in links))

"""Resolvers of verification: a request's firms verified in one batch, their reads and findings audited."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from hub.sources.permitted import SourceInput, access_outcome, read_permitted
from hub.verification.findings import SEVERITY_RANK
from hub.verification.service import Verified
from schema.context import Context
from schema.verification.types import ChainAnomaly, Severity, Verification, VerificationCheck

LOADER = "verification"


def _record(context: Context, read: SourceInput) -> None:
    context.accesses.record(read.credit_code, read.source, access_outcome(read))  # type: ignore[arg-type]


def _loader(context: Context) -> DataLoader[str, Verified]:
    found: DataLoader[str, Verified] | None = context.lazy_loaders.get(LOADER)
    if found is not None:
        return found
    services = context.services

    async def load(codes: list[str]) -> list[Verified | BaseException]:
        verified = await services.verification.verify_many(
            context.principal, services.sources, services.auth, codes
        )
        for result in verified.values():
            for read in [*result.inputs.own.values(), *result.inputs.others.values()]:
                _record(context, read)
        context.audit_entries.extend(services.verification.audit_entries(context.principal, verified))
        return [verified[code] for code in codes]

    loader: DataLoader[str, Verified] = DataLoader(
        load_fn=load, max_batch_size=services.settings.max_batch_size
    )
    context.lazy_loaders[LOADER] = loader
    return loader


async def verification_of(context: Context, credit_code: str) -> Verification:
    # Counterparties' records are read outside the loaders, under the tenant's thresholds: never cached whole.
    context.answer_cacheable = False
    verified = await _loader(context).load(credit_code)
    flags = [finding for finding in verified.findings if finding.status == "FLAG" and finding.severity]
    highest = max(flags, key=lambda finding: SEVERITY_RANK[finding.severity], default=None)  # type: ignore[index]
    return Verification(
        checks=[VerificationCheck.of(finding) for finding in verified.findings],
        flags=len(flags),
        highest_severity=Severity(highest.severity) if highest is not None and highest.severity else None,
    )


async def anomalies_of(context: Context, members: list[str]) -> list[ChainAnomaly]:
    context.answer_cacheable = False
    services, principal = context.services, context.principal
    live = await services.auth.live_consents(principal.tenant_id, members)
    trade = await read_permitted(services.sources, principal, live, "trade", members)
    registry = await read_permitted(services.sources, principal, live, "registry", members)
    for read in [*trade.values(), *registry.values()]:
        _record(context, read)
    found = await services.verification.anomalies(principal, members, trade, registry)
    return [ChainAnomaly.of(anomaly) for anomaly in found]

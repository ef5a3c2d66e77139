"""Verification as a service: tenants' thresholds, a batch of firms verified, a supply chain's anomalies."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cachetools import TTLCache
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent, digest
from audit.log import AuditEntry, AuditLog
from auth.clients import ensure_tenant
from auth.principal import Principal
from connectors.records import RegistryRecord, TradeRecord
from foundation.storage.models import VerificationParameter
from hub.sources.permitted import ConsentReading, RecordReading, SourceInput
from hub.turns import LoopTurns
from hub.verification.checks import verify
from hub.verification.edges import EDGES
from hub.verification.findings import Evidence, Finding, Severity, ids
from hub.verification.graph import TradeView
from hub.verification.identity import shared
from hub.verification.inputs import VerificationInputs
from hub.verification.parameters import CHECKS, checked, effective
from hub.verification.reading import read_neighbourhoods

TENANTS_KEPT = 256


@dataclass(frozen=True, slots=True)
class Verified:
    credit_code: str
    findings: tuple[Finding, ...]
    inputs: VerificationInputs

    def audit_outcome(self) -> str:
        flags = [finding.word for finding in self.findings if finding.status == "FLAG"]
        text = ("FLAG " + " ".join(flags)) if flags else "no flag"
        return text[:300]


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A finding about the supply chain as a whole (firms ``credit_codes``)."""

    code: str
    severity: Severity
    credit_codes: tuple[str, ...]
    evidence: Evidence


class VerificationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        audit: AuditLog,
        turns: LoopTurns,
        *,
        refresh_s: float = 0.25,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._audit = audit
        self._turns = turns
        self._overrides: TTLCache[str, dict[str, dict[str, float]]] = TTLCache(TENANTS_KEPT, refresh_s)
        self.clock = clock

    async def overrides(self, tenant_id: str) -> dict[str, dict[str, float]]:
        """The tenant's overrides by check (kept up to ``refresh_s``; a change here counts at once)."""
        found = self._overrides.get(tenant_id)
        if found is None:
            async with self._sessions() as session:
                rows = (
                    await session.scalars(
                        select(VerificationParameter).where(VerificationParameter.tenant_id == tenant_id)
                    )
                ).all()
            found = self._overrides[tenant_id] = {row.code: dict(row.params) for row in rows}
        return found

    async def parameters(self, tenant_id: str) -> dict[str, dict[str, float]]:
        return effective(await self.overrides(tenant_id))

    async def set_parameters(
        self, principal: Principal | None, tenant_id: str, code: str, values: Mapping[str, Any]
    ) -> dict[str, float]:
        """Replace the tenant's overrides of ``code`` with ``values`` (checked; ``{}`` restores the
        defaults); audited. Returns the check's parameters now in effect."""
        overrides = checked(code, values)
        async with self._sessions() as session, session.begin():
            await ensure_tenant(session, tenant_id)
            row = await session.get(VerificationParameter, (tenant_id, code))
            now = datetime.now(UTC)
            client = principal.client_id if principal is not None else None
            if row is None:
                session.add(
                    VerificationParameter(
                        tenant_id=tenant_id, code=code, params=overrides, updated_at=now, updated_by=client
                    )
                )
            else:
                row.params, row.updated_at, row.updated_by = overrides, now, client
        self._overrides.pop(tenant_id, None)
        text = ",".join(f"{name}={value:g}" for name, value in sorted(overrides.items())) or "defaults"
        await self._audit.append(
            [
                AuditEntry(
                    AuditEvent.VERIFICATION_PARAMETERS_SET,
                    tenant_id,
                    client,
                    None,
                    (),
                    digest(f"{tenant_id}:{code}:{text}"),
                    f"{code} {text}"[:300],
                )
            ]
        )
        return {**effective({code: overrides})[code]}

    async def verify_many(
        self,
        principal: Principal,
        reader: RecordReading,
        consents: ConsentReading,
        credit_codes: Sequence[str],
    ) -> dict[str, Verified]:
        """Every firm's findings (codes checked and distinct), with what was read for them."""
        as_of = self.clock().date()
        overrides = await self.overrides(principal.tenant_id)
        neighbourhoods = await read_neighbourhoods(reader, consents, principal, credit_codes, as_of=as_of)
        verified = {}
        for code in credit_codes:
            await self._turns.take()  # one firm's checks a turn of the loop
            inputs = neighbourhoods[code]
            verified[code] = Verified(code, tuple(verify(inputs, overrides, as_of=as_of)), inputs)
        return verified

    def audit_entries(self, principal: Principal, verified: Mapping[str, Verified]) -> list[AuditEntry]:
        return [
            AuditEntry(
                AuditEvent.VERIFICATION,
                principal.tenant_id,
                principal.client_id,
                code,
                tuple(sorted({read.source for read in result.inputs.own.values()})),
                digest(",".join(finding.word for finding in result.findings)),
                result.audit_outcome(),
            )
            for code, result in sorted(verified.items())
        ]

    async def anomalies(
        self,
        principal: Principal,
        members: Sequence[str],
        trade_reads: Mapping[str, SourceInput],
        registry_reads: Mapping[str, SourceInput],
    ) -> list[Anomaly]:
        """Cycles among the chain's firms and related parties trading within it (the tenant's parameters)."""
        parameters = effective(await self.overrides(principal.tenant_id))
        await self._turns.take()
        return chain_anomalies(members, trade_reads, registry_reads, parameters, as_of=self.clock().date())


def chain_anomalies(
    members: Sequence[str],
    trade_reads: Mapping[str, SourceInput],
    registry_reads: Mapping[str, SourceInput],
    parameters: Mapping[str, Mapping[str, float]],
    *,
    as_of: date,
) -> list[Anomaly]:
    records = {
        read.content_hash: read.record
        for read in trade_reads.values()
        if isinstance(read.record, TradeRecord)
    }
    end = max((record.history_end for record in records.values() if record.history_end), default=as_of)
    view = TradeView(EDGES.of(record, digest, end) for digest, record in records.items())
    graph = view.graph(set(members))
    cycle_params = parameters["CIRCULAR_TRADE"]
    registries = {
        code: read.record for code, read in registry_reads.items() if isinstance(read.record, RegistryRecord)
    }
    found: list[Anomaly] = []
    for cycle in graph.cycles(int(cycle_params["maxLength"])):
        if not cycle.within(cycle_params["tolerance"]):
            continue
        known = [registries[code] for code in cycle.members if code in registries]
        related = any(shared(a, b) for index, a in enumerate(known) for b in known[index + 1 :])
        found.append(
            Anomaly(
                "CIRCULAR_TRADE",
                "HIGH" if related else "MEDIUM",
                cycle.members,
                Evidence(
                    orders=ids(set(cycle.orders)),
                    credit_codes=cycle.members,
                    values={"amountsYuan": [str(amount) for amount in cycle.amounts], "related": related},
                ),
            )
        )
    for seller, buyer in sorted(graph.graph.edges):
        first, second = registries.get(seller), registries.get(buyer)
        if first is None or second is None:
            continue
        if shares := shared(first, second):
            amount = graph.graph[seller][buyer]["amount"]
            found.append(
                Anomaly(
                    "RELATED_PARTY",
                    "MEDIUM",
                    (seller, buyer),
                    Evidence(
                        orders=ids(set(graph.graph[seller][buyer]["orders"])),
                        credit_codes=(seller, buyer),
                        values={"shared": shares, "amountYuan": str(amount)},
                    ),
                )
            )
    return found


def check_descriptions() -> list[tuple[str, str, dict[str, Any]]]:
    """(code, what it checks, {parameter: spec}) for every check."""
    return [(code, description, dict(specs)) for code, (description, specs) in CHECKS.items()]

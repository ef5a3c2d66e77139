"""Lending products as a service: publish, assess (and store and audit), replay, simulate.

The hub owns no score (商业银行互联网贷款管理暂行办法 Art. 34: a bank does not outsource its risk models): it
keeps each tenant's own versioned product documents, evaluates them on the facts the tenant may read, and
keeps what it decided and from which snapshots.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from cachetools import LRUCache, TTLCache

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog
from auth.principal import READ_SCOPES, Principal
from connectors.records import Record
from foundation.errors import BadRequest, ReplayMismatch, SnapshotExpired
from hub.events import Event, EventBus
from hub.metrics import ASSESSMENT_SECONDS, ASSESSMENTS
from hub.products.announcing import announce_changes
from hub.products.assessment import FirmInputs, Outcome, evaluate_product
from hub.products.documents import CompiledProduct, compile_product, document_hash
from hub.products.reading import read_inputs
from hub.products.simulation import Simulation, compare_versions
from hub.products.store import AssessmentBook, ProductBook, PublishedVersion, StoredAssessment
from hub.sources.permitted import ConsentReading, RecordReading, SourceInput
from hub.turns import LoopTurns

COMPILED_KEPT = 256
MAX_SIMULATED_VERSIONS = 5
SIMULATION_CHUNK = 250
"""Firms read and evaluated together in a simulation: bounded memory, batched reads."""
MONITOR = "monitoring"
"""The client id a reassessment reads and assesses as: the tenant's, with every source scope (the firm's
consents to the tenant decide what it reads)."""


@dataclass(frozen=True, slots=True)
class Assessed:
    """One assessment as made (or replayed)."""

    id: str
    credit_code: str
    version: PublishedVersion
    evaluated_at: datetime
    outcome: Outcome
    inputs: tuple[SourceInput, ...]
    replayed: bool = False
    verification_parameters: Mapping[str, Mapping[str, float]] | None = None

    @property
    def input_hashes(self) -> list[dict[str, Any]]:
        return [read.stored() for read in self.inputs]


class SnapshotSource(Protocol):
    """What a replay needs of the read path: the record of a snapshot by its content hash."""

    async def snapshot_record(self, source: str, credit_code: str, content_hash: str) -> Record | None: ...


def inputs_digest(inputs: Sequence[SourceInput]) -> str:
    """sha256 of what an assessment read (sources, firms, content hashes): the audit row's reference."""
    canonical = orjson.dumps([read.stored() for read in inputs], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


class ProductService:
    def __init__(
        self,
        *,
        products: ProductBook,
        assessments: AssessmentBook,
        audit: AuditLog,
        turns: LoopTurns,
        name_hash: Callable[[str], str] | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        latest_ttl_s: float = 0.25,
        verification_parameters: Callable[[str], Awaitable[dict[str, dict[str, float]]]] | None = None,
        events: EventBus | None = None,
    ) -> None:
        """``latest_ttl_s``: how long a process may keep using the latest version it read of a key after
        another process published a newer one (a publish here counts at once); an assessment always names
        the version it used."""
        self.products = products
        self.assessments = assessments
        self._audit = audit
        self._turns = turns
        self._verification_parameters = verification_parameters
        self._events = events
        self._name_hash = name_hash
        self.clock = clock
        self._compiled: LRUCache[tuple[str, str, int], CompiledProduct] = LRUCache(COMPILED_KEPT)
        self._versions: LRUCache[tuple[str, str, int], PublishedVersion] = LRUCache(COMPILED_KEPT)
        self._latest: TTLCache[tuple[str, str], PublishedVersion] = TTLCache(COMPILED_KEPT, latest_ttl_s)

    async def publish(
        self, *, tenant_id: str, client_id: str | None, key: str, name: str, kind: str, document: Any
    ) -> PublishedVersion:
        """Check the document (PRODUCT_INVALID naming node and rule) and store it as the next version."""
        if not isinstance(document, dict):
            raise BadRequest("document must be a JSON object", argument="document")
        compile_product(document)
        self._latest.pop((tenant_id, key), None)
        return await self.products.publish(
            tenant_id=tenant_id,
            key=key,
            name=name,
            kind=kind,
            document=document,
            document_hash=document_hash(document),
            client_id=client_id,
        )

    def compiled(self, version: PublishedVersion) -> CompiledProduct:
        key = (version.tenant_id, version.key, version.version)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = compile_product(version.document)
        return found

    async def product(
        self, tenant_id: str, key: str, version: int | None = None
    ) -> tuple[PublishedVersion, CompiledProduct]:
        """A version (the latest when None) and its compiled graph; versions never change, so each is
        read once, and which one is the latest at most every ``latest_ttl_s``."""
        if version is None:
            cached = self._latest.get((tenant_id, key))
        else:
            cached = self._versions.get((tenant_id, key, version))
        if cached is None:
            cached = await self.products.version(tenant_id, key, version)
            self._versions[(tenant_id, key, cached.version)] = cached
            if version is None:
                self._latest[(tenant_id, key)] = cached
        return cached, self.compiled(cached)

    async def read(
        self,
        reader: RecordReading,
        consents: ConsentReading,
        principal: Principal,
        products: Sequence[CompiledProduct],
        credit_codes: Sequence[str],
    ) -> dict[str, FirmInputs]:
        wants_verification = any("verification" in product.namespaces for product in products)
        parameters = (
            await self._verification_parameters(principal.tenant_id)
            if wants_verification and self._verification_parameters is not None
            else None
        )
        return await read_inputs(
            reader,
            consents,
            principal,
            products,
            credit_codes,
            as_of=self.clock().date(),
            verification_parameters=parameters,
        )

    async def evaluate(
        self, product: CompiledProduct, inputs: FirmInputs, evaluated_at: datetime, *, trace: bool = True
    ) -> Outcome:
        await self._turns.take()  # one firm's facts and graph a turn of the loop
        with ASSESSMENT_SECONDS.time():
            return evaluate_product(
                product, inputs, evaluated_at=evaluated_at, name_hash=self._name_hash, trace=trace
            )

    async def assess(
        self,
        principal: Principal,
        version: PublishedVersion,
        firms: Sequence[FirmInputs],
        *,
        settle: Callable[[Sequence[tuple[str, str]]], Any] | None = None,
        trace: bool = True,
        audit_into: list[AuditEntry] | None = None,
    ) -> list[Assessed]:
        """Evaluate the version on each firm, store every assessment (one transaction) and audit each
        (``trace=False``: the rules' trace is not made; it is never stored, a replay makes it again).
        Whether a decision differs from the tenant's previous one is read in the transaction that stores
        it; a changed one is announced off the answer's path, by the job ``products.announce``
        (:meth:`announce_changes`)."""
        product = self.compiled(version)
        evaluated_at = self.clock()
        made = [
            Assessed(
                str(uuid.uuid4()),
                firm.credit_code,
                version,
                evaluated_at,
                await self.evaluate(product, firm, evaluated_at, trace=trace),
                tuple(firm.all()),
                verification_parameters=firm.verification_parameters,
            )
            for firm in firms
        ]
        if settle is not None:
            # The snapshots an assessment names must be stored before it is.
            await settle(
                [
                    (read.source, read.credit_code)
                    for assessed in made
                    for read in assessed.inputs
                    if read.content_hash
                ]
            )
        previous = await self.assessments.save(
            [
                StoredAssessment(
                    assessed.id,
                    principal.tenant_id,
                    principal.client_id,
                    assessed.credit_code,
                    version.key,
                    version.version,
                    evaluated_at,
                    assessed.outcome.decision,
                    str(assessed.outcome.credit_line_yuan)
                    if assessed.outcome.credit_line_yuan is not None
                    else None,
                    assessed.input_hashes,
                    assessed.outcome.summary(),
                    assessed.verification_parameters,
                )
                for assessed in made
            ]
        )
        for assessed in made:
            ASSESSMENTS.labels(assessed.outcome.decision).inc()
        entries = [
            AuditEntry(
                AuditEvent.ASSESSMENT,
                principal.tenant_id,
                principal.client_id,
                assessed.credit_code,
                tuple(sorted({read.source for read in assessed.inputs})),
                inputs_digest(assessed.inputs),
                f"{assessed.id} {version.key} v{version.version} {assessed.outcome.decision}",
            )
            for assessed in made
        ]
        if audit_into is not None:
            audit_into.extend(entries)  # appended by the caller with the operation's data accesses
        else:
            await self._audit.append(entries)
        changes = [
            [assessed.credit_code, assessed.outcome.decision, previous[assessed.credit_code]]
            for assessed in made
            if previous.get(assessed.credit_code, assessed.outcome.decision) != assessed.outcome.decision
        ]
        if self._events is not None and changes:
            await announce_changes.kiq(principal.tenant_id, version.key, version.version, changes)
        return made

    async def announce_changes(
        self, tenant_id: str, product_key: str, version: int, changes: Sequence[tuple[str, str, str]]
    ) -> list[Event]:
        """``assessment.changed`` for each (firm, decision, previous decision) of the version."""
        if self._events is None:
            return []
        changed = [
            Event(
                "assessment.changed",
                code,
                {"product": product_key, "version": version, "decision": decision, "previous": before},
                tenant_id=tenant_id,
            )
            for code, decision, before in changes
        ]
        await self._events.emit(changed)
        return changed

    async def reassess(
        self,
        tenant_id: str,
        credit_code: str,
        reader: RecordReading,
        consents: ConsentReading,
        *,
        settle: Callable[[Sequence[tuple[str, str]]], Any] | None = None,
    ) -> list[Assessed]:
        """The firm assessed again under the latest version of every product the tenant has assessed it
        under (monitoring after a change of its records); a changed decision is announced as any is."""
        decided = await self.assessments.latest_decisions(tenant_id, [credit_code])
        principal = Principal(tenant_id, MONITOR, READ_SCOPES)
        made: list[Assessed] = []
        for key in sorted(key for _, key in decided):
            version, compiled = await self.product(tenant_id, key)  # versions are never deleted
            firms = await self.read(reader, consents, principal, [compiled], [credit_code])
            made += await self.assess(principal, version, [firms[credit_code]], settle=settle, trace=False)
        return made

    async def replay(self, principal: Principal, assessment_id: str, snapshots: SnapshotSource) -> Assessed:
        """The stored assessment evaluated again from exactly the snapshots it read (SNAPSHOT_EXPIRED when
        one is gone; REPLAY_MISMATCH when it does not decide the same)."""
        stored = await self.assessments.get(principal.tenant_id, assessment_id)
        version, product = await self.product(principal.tenant_id, stored.product_key, stored.product_version)
        reads = [await _stored_input(read, snapshots) for read in stored.inputs]
        firm = FirmInputs(
            stored.credit_code,
            {read.source: read for read in reads if read.credit_code == stored.credit_code},
            {
                (read.source, read.credit_code): read
                for read in reads
                if read.credit_code != stored.credit_code
            },
            stored.verification_parameters,
        )
        outcome = await self.evaluate(product, firm, stored.evaluated_at)
        if outcome.summary() != stored.outcome:
            raise ReplayMismatch(
                f"assessment {assessment_id} does not replay to its stored outcome "
                f"({stored.decision} stored, {outcome.decision} now)",
                id=assessment_id,
            )
        return Assessed(
            stored.id,
            stored.credit_code,
            version,
            stored.evaluated_at,
            outcome,
            tuple(reads),
            True,
            stored.verification_parameters,
        )

    async def simulate(
        self,
        principal: Principal,
        key: str,
        versions: Sequence[int],
        credit_codes: Sequence[str],
        reader: RecordReading,
        consents: ConsentReading,
        *,
        population: str,
    ) -> Simulation:
        """Each version on each firm, compared with the first version; nothing stored, one audit row."""
        wanted = list(dict.fromkeys(versions))
        if not wanted or len(wanted) > MAX_SIMULATED_VERSIONS:
            raise BadRequest(
                f"versions takes 1 to {MAX_SIMULATED_VERSIONS} distinct versions", argument="versions"
            )
        chosen = [await self.product(principal.tenant_id, key, number) for number in wanted]
        products = [product for _, product in chosen]
        evaluated_at = self.clock()
        outcomes: dict[str, list[Outcome]] = {}
        for start in range(0, len(credit_codes), SIMULATION_CHUNK):
            chunk = credit_codes[start : start + SIMULATION_CHUNK]
            firms = await self.read(reader, consents, principal, products, chunk)
            for code in chunk:
                outcomes[code] = [
                    await self.evaluate(product, firms[code], evaluated_at, trace=False)
                    for product in products
                ]
        simulation = compare_versions(wanted, outcomes)
        await self._audit.append(
            [
                AuditEntry(
                    AuditEvent.PRODUCT_SIMULATED,
                    principal.tenant_id,
                    principal.client_id,
                    None,
                    tuple(sorted({source for product in products for source in product.sources})),
                    hashlib.sha256("\n".join(credit_codes).encode()).hexdigest(),
                    f"{key} v{','.join(map(str, wanted))} over {len(credit_codes)} firms ({population}); "
                    f"{simulation.flip_count} flips",
                )
            ]
        )
        return simulation


async def _stored_input(read: dict[str, Any], snapshots: SnapshotSource) -> SourceInput:
    fetched_at = datetime.fromisoformat(read["fetchedAt"]) if read.get("fetchedAt") else None
    base = SourceInput(
        read["source"],
        read["creditCode"],
        read["status"],
        None,
        read.get("contentHash"),
        fetched_at,
        withheld_for=read.get("withheldFor"),
        stale=bool(read.get("stale")),
    )
    if base.status != "available" or base.content_hash is None:
        return base
    record = await snapshots.snapshot_record(base.source, base.credit_code, base.content_hash)
    if record is None:
        raise SnapshotExpired(
            f"the {base.source} snapshot this assessment read for {base.credit_code} is no longer stored: "
            "it cannot be replayed",
            source=base.source,
            creditCode=base.credit_code,
            contentHash=base.content_hash,
        )
    return SourceInput(
        base.source,
        base.credit_code,
        "available",
        record,
        base.content_hash,
        fetched_at,
        stale=base.stale,
    )

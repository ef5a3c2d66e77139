"""Early warnings as a service: watchlists, rules, the evaluation of one (tenant, firm), and the sink that
kicks evaluations when a watched firm's record changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from audit.chain import AuditEntry, AuditEvent, digest
from audit.log import AuditLog
from auth.principal import READ_SCOPES, Principal
from connectors.records import Record, RegistryRecord
from foundation.errors import BadRequest
from hub.alerts.builtins import BUILT_INS, BY_NAME, COMPOSITE, COMPOSITE_MIN_SOURCES, COMPOSITE_WINDOW_DAYS
from hub.alerts.flags import SOURCE_OF_FLAG, raised_flags
from hub.alerts.jobs import evaluate_alerts
from hub.alerts.rules import MAX_NAME, NOT_IN_RULES, Firing, compile_rule, evaluate_rule
from hub.alerts.store import AlertBook, StoredAlert
from hub.events import Event, EventBus
from hub.products.documents import CompiledProduct
from hub.products.facts import FactInputs, build_facts, fact_sets
from hub.products.reading import read_inputs
from hub.sources.permitted import ConsentReading, RecordReading

EVALUATOR = "alerts"
"""The client id an evaluation reads as: the tenant's, with every source scope (the firm's consents to
the tenant decide what it reads)."""


@dataclass(frozen=True, slots=True)
class RuleView:
    name: str
    built_in: bool
    enabled: bool
    description: str
    document: dict[str, Any] | None
    compiled: CompiledProduct | None
    updated_at: datetime | None


class AlertService:
    def __init__(
        self,
        *,
        book: AlertBook,
        reader: RecordReading,
        consents: ConsentReading,
        events: EventBus,
        audit: AuditLog,
        name_hash: Callable[[str], str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.book = book
        self._reader = reader
        self._consents = consents
        self._events = events
        self._audit = audit
        self._name_hash = name_hash
        self.clock = clock

    # watchlists and rules ----------------------------------------------------------------------------
    async def watch(self, tenant_id: str, credit_codes: Sequence[str]) -> None:
        await self.book.watch(tenant_id, credit_codes, self.clock())

    async def unwatch(self, tenant_id: str, credit_codes: Sequence[str]) -> None:
        await self.book.unwatch(tenant_id, credit_codes)

    async def rules(self, tenant_id: str) -> list[RuleView]:
        """The built-ins (as the tenant set them) and then the tenant's own rules, by name."""
        stored = {row.name: row for row in await self.book.rules(tenant_id)}
        views = []
        for built_in in BUILT_INS:
            row = stored.pop(built_in.name, None)
            views.append(
                RuleView(
                    built_in.name,
                    True,
                    row.enabled if row is not None else True,
                    built_in.description,
                    built_in.document,
                    built_in.compiled,
                    row.updated_at if row is not None else None,
                )
            )
        for row in stored.values():
            document = row.document or {}
            views.append(
                RuleView(
                    row.name,
                    False,
                    row.enabled,
                    str(document.get("description", "")),
                    document,
                    compile_rule(document),
                    row.updated_at,
                )
            )
        return views

    async def set_rule(
        self, *, tenant_id: str, client_id: str | None, name: str, document: Any, enabled: bool
    ) -> RuleView:
        """A built-in: enable or disable it (no document). Another name: the tenant's rule, its document
        checked (ALERT_RULE_INVALID) and stored in place of the one before."""
        if not name or len(name) > MAX_NAME:
            raise BadRequest(f"name takes 1 to {MAX_NAME} characters", argument="name")
        if name in BY_NAME:
            if document is not None:
                raise BadRequest(f"{name} is a built-in rule: only enabled can be set", argument="document")
        elif not isinstance(document, dict):
            raise BadRequest("document must be a JSON object (a rule's JDM document)", argument="document")
        else:
            compile_rule(document)
        await self.book.set_rule(tenant_id, name, document, enabled, self.clock())
        await self._audit.append(
            [
                AuditEntry(
                    AuditEvent.ALERT_RULE_SET,
                    tenant_id,
                    client_id,
                    None,
                    (),
                    digest(repr(document)),
                    f"{name} {'enabled' if enabled else 'disabled'}",
                )
            ]
        )
        return next(view for view in await self.rules(tenant_id) if view.name == name)

    # evaluation --------------------------------------------------------------------------------------
    async def evaluate(self, tenant_id: str, credit_code: str) -> list[StoredAlert]:
        """Evaluate the tenant's enabled rules on a watched firm; store and announce the new alerts and
        the firm's indicator flags raised or cleared. A firm off the watchlist: nothing."""
        watched = await self.book.watched(tenant_id, credit_code)
        if watched is None:
            return []
        now = self.clock()
        enabled = [view for view in await self.rules(tenant_id) if view.enabled]
        rules = [view for view in enabled if view.compiled is not None]  # the composite has no graph
        principal = Principal(tenant_id, EVALUATOR, READ_SCOPES)
        sets = fact_sets()
        every = frozenset(namespace for namespace in sets if namespace not in NOT_IN_RULES)
        reads = _Sources(frozenset(sets[namespace].source for namespace in every), every)
        firm = (
            await read_inputs(
                self._reader, self._consents, principal, [reads], [credit_code], as_of=now.date()
            )
        )[credit_code]
        records: dict[str, Record] = {
            source: read.record
            for source, read in firm.sources.items()
            if read.status == "available" and read.record is not None
        }
        related = {
            code: read.record
            for (source, code), read in firm.related.items()
            if source == "registry" and isinstance(read.record, RegistryRecord)
        }
        namespaces = frozenset(namespace for namespace in every if sets[namespace].source in records)
        facts = build_facts(
            FactInputs(credit_code, now.date(), records, related, self._name_hash), namespaces
        )
        previous = watched.baseline
        firings = [
            fired
            for view in rules
            if view.compiled is not None
            and view.compiled.sources <= records.keys()
            and (fired := evaluate_rule(view.name, view.compiled, facts, previous, today=now.date()))
            is not None
        ]
        added = await self.book.add(tenant_id, credit_code, firings, now)
        if any(view.name == COMPOSITE for view in enabled):
            added += await self._composite(tenant_id, credit_code, now)
        await self.book.set_baseline(tenant_id, credit_code, _baseline(previous, facts))
        await self._audit.append(
            [
                AuditEntry(
                    AuditEvent.ALERTS_EVALUATED,
                    tenant_id,
                    EVALUATOR,
                    credit_code,
                    tuple(sorted(records)),
                    digest(",".join(sorted(f"{s}:{r.content_hash}" for s, r in firm.sources.items()))),
                    f"{len(added)} new alerts",
                )
            ]
        )
        events = [
            Event(
                "alert.created",
                credit_code,
                {"alertId": alert.id, "rule": alert.rule, "severity": alert.severity},
                tenant_id=tenant_id,
            )
            for alert in added
        ]
        events += await self._flag_events(credit_code, records, now)
        if events:
            await self._events.emit(events)
        return added

    async def _composite(self, tenant_id: str, credit_code: str, now: datetime) -> list[StoredAlert]:
        recent = [
            alert
            for alert in await self.book.recent(
                tenant_id, credit_code, now - timedelta(days=COMPOSITE_WINDOW_DAYS)
            )
            if alert.rule != COMPOSITE
        ]
        sources = {source for alert in recent for source in alert.details.get("sources", [])}
        if len(sources) < COMPOSITE_MIN_SOURCES:
            return []
        newest = max(alert.created_at for alert in recent)
        firing = Firing(
            COMPOSITE,
            "HIGH",
            f"{newest:%Y-%m-%d}",
            {
                "alerts": [
                    {"id": a.id, "rule": a.rule, "period": a.period, "sources": a.details.get("sources", [])}
                    for a in sorted(recent, key=lambda a: (a.created_at, a.id))
                ],
                "windowDays": COMPOSITE_WINDOW_DAYS,
            },
            tuple(sorted(sources)),
        )
        return await self.book.add(tenant_id, credit_code, [firing], now)

    async def _flag_events(self, credit_code: str, records: dict[str, Record], now: datetime) -> list[Event]:
        """Flags of the sources read, against those the firm had: a source not read keeps its flags."""
        current = raised_flags(records)
        held = await self.book.flags(credit_code)
        raised = sorted({flag for flags in current.values() for flag in flags} - held)
        cleared = sorted(
            flag
            for flag in held
            if SOURCE_OF_FLAG.get(flag) in current and flag not in current[SOURCE_OF_FLAG[flag]]
        )
        raised, cleared = await self.book.change_flags(credit_code, raised, cleared, now)
        return [
            Event(kind, credit_code, {"flag": flag}, source=SOURCE_OF_FLAG[flag])
            for kind, flags in (("indicator.flag_raised", raised), ("indicator.flag_cleared", cleared))
            for flag in flags
        ]

    # triggers ----------------------------------------------------------------------------------------
    async def receive(self, events: Sequence[Event]) -> None:
        """The event sink: a watched firm's record changed → one evaluation job per watching tenant."""
        for tenant_id, credit_code in await self.book.watching_changed(events):
            await self.kick(tenant_id, credit_code)

    async def kick(self, tenant_id: str, credit_code: str) -> None:
        """Queue the evaluation of one (tenant, firm)."""
        await evaluate_alerts.kiq(tenant_id, credit_code)


@dataclass(frozen=True, slots=True)
class _Sources:
    """Read these sources (and their facts' related records) of a firm."""

    sources: frozenset[str]
    namespaces: frozenset[str]


def _baseline(previous: dict[str, Any] | None, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The scalar facts of this evaluation over those of the previous one (a source not read this time
    keeps its last facts)."""
    baseline = dict(previous or {})
    for namespace, values in facts.items():
        baseline[namespace] = {
            name: _plain(value) for name, value in values.items() if not isinstance(value, list | dict)
        }
    return baseline


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value

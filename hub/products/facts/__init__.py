"""The fact document: what a product's rules read about one firm, typed, named by source, reproducible.

A fact is named ``<namespace>.<name>`` (``electricity.feesPaid24mYuan``); each namespace is one source's
:class:`FactSet` (a module of this package), which declares its facts and builds them from the records.
A fact may read more than its own source (``electricity.holderMatchesName`` compares the grid's account
holder with the registry's name): its ``sources`` say which, and a product reading it needs them all.

Facts are pure functions of the records and the assessment's day, so an assessment replayed from its
stored snapshots finds the same facts. Money is in yuan (``MONEY``: ``Decimal`` to the fen), ratios are
floats, windows end at the latest month each source reports (as the profiles do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from connectors.records import Record, RegistryRecord
from hub.verification.findings import Finding


class FactType(StrEnum):
    MONEY = "MONEY"  # yuan, to the fen
    NUMBER = "NUMBER"
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    LIST = "LIST"  # of objects whose fields ``items`` declares


@dataclass(frozen=True, slots=True)
class FactDefinition:
    name: str  # with its namespace: ``tax.grade``
    type: FactType
    description: str
    sources: tuple[str, ...]
    nullable: bool = False
    items: tuple[FactDefinition, ...] = ()  # a LIST's item fields (names without namespace)

    @property
    def namespace(self) -> str:
        return self.name.split(".", 1)[0]

    def item(self, name: str) -> FactDefinition | None:
        return next((item for item in self.items if item.name == name), None)


@dataclass(frozen=True, slots=True)
class FactInputs:
    """What the facts of one firm are built from: its records by source (only those the caller may read
    and the product needs), registry records of other firms it names (trade debtors), the day of the
    assessment and the hub's keyed hash of names (to compare a name with a stored hash)."""

    credit_code: str
    as_of: date
    records: Mapping[str, Record]
    related: Mapping[str, RegistryRecord] = field(default_factory=dict)
    name_hash: Callable[[str], str] | None = None
    findings: Mapping[str, Finding] = field(default_factory=dict)
    """The firm's verification findings by check code (when the product reads verification facts)."""

    def record(self, source: str, kind: type[Record]) -> Any:
        found = self.records.get(source)
        if not isinstance(found, kind):
            raise LookupError(f"no {source} record")
        return found


@dataclass(frozen=True, slots=True)
class FactSet:
    """One namespace's facts: declared once, built together from the records."""

    namespace: str
    source: str
    definitions: tuple[FactDefinition, ...]
    build: Callable[[FactInputs], dict[str, Any]]
    history: Callable[[Record], int] | None = None
    """Months of history the source's record holds (for a product's ``history`` requirement)."""
    related: Callable[[Record], frozenset[str]] | None = None
    """Other firms whose registry records the facts need (debtors of a trade record)."""


def fact(
    namespace: str,
    name: str,
    kind: FactType,
    description: str,
    *sources: str,
    nullable: bool = False,
    items: tuple[FactDefinition, ...] = (),
) -> FactDefinition:
    return FactDefinition(f"{namespace}.{name}", kind, description, sources or (namespace,), nullable, items)


def item(name: str, kind: FactType, description: str, *, nullable: bool = False) -> FactDefinition:
    return FactDefinition(name, kind, description, (), nullable)


@cache
def fact_sets() -> Mapping[str, FactSet]:
    """Every namespace's facts, by namespace (one module of this package each)."""
    from hub.products.facts import customs, electricity, logistics, registry, tax, trade, verification

    sets = (
        registry.FACTS,
        electricity.FACTS,
        tax.FACTS,
        trade.FACTS,
        logistics.FACTS,
        customs.FACTS,
        verification.FACTS,
    )
    return {facts.namespace: facts for facts in sets}


@cache
def fact_catalog() -> Mapping[str, FactDefinition]:
    """Every fact by its full name."""
    return {definition.name: definition for facts in fact_sets().values() for definition in facts.definitions}


def definitions() -> Iterator[FactDefinition]:
    yield from fact_catalog().values()


def build_facts(inputs: FactInputs, namespaces: frozenset[str]) -> dict[str, dict[str, Any]]:
    """The fact document of ``namespaces`` (each namespace's records must be in ``inputs``)."""
    sets = fact_sets()
    return {namespace: sets[namespace].build(inputs) for namespace in sorted(namespaces)}

"""GraphQL types of lending products: versions, templates, the fact catalog, assessments, simulations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from hub.products.assessment import Reason as ReasonValue
from hub.products.assessment import TraceStep as TraceValue
from hub.products.documents import CompiledProduct
from hub.products.facts import FactDefinition, fact_catalog
from hub.products.service import Assessed
from hub.products.simulation import Simulation as SimulationValue
from hub.products.store import KINDS, PublishedVersion
from hub.products.templates import Template


@strawberry.enum(description="What a product decides for a firm.")
class Decision(Enum):
    ELIGIBLE = "ELIGIBLE"
    INELIGIBLE = "INELIGIBLE"
    REFER = "REFER"


@strawberry.enum(description="The data a lending product is built on.")
class ProductKind(Enum):
    ELECTRICITY = "ELECTRICITY"
    TAX = "TAX"
    RECEIVABLE = "RECEIVABLE"
    LOGISTICS = "LOGISTICS"
    CUSTOMS = "CUSTOMS"
    OTHER = "OTHER"


assert {kind.value for kind in ProductKind} == set(KINDS), "ProductKind and the product store's KINDS differ"


@strawberry.enum(description="The type of a fact's value.")
class FactType(Enum):
    MONEY = "MONEY"
    NUMBER = "NUMBER"
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"
    STRING = "STRING"
    LIST = "LIST"


@strawberry.enum(description="How an assessment's input was read.")
class InputStatus(Enum):
    AVAILABLE = "available"
    WITHHELD = "withheld"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@strawberry.type(description="One fact a product's rules may read (namespaced by source).")
class Fact:
    name: str = strawberry.field(description="e.g. electricity.feesPaid24mYuan; a list item's field name.")
    type: FactType
    description: str
    sources: list[str] = strawberry.field(description="The sources it is built from (all are needed).")
    nullable: bool = strawberry.field(description="It may be null (not enough data for it).")
    items: list[Fact] = strawberry.field(description="A LIST's item fields.")

    @classmethod
    def of(cls, definition: FactDefinition) -> Fact:
        return cls(
            name=definition.name,
            type=FactType(definition.type.value),
            description=definition.description,
            sources=list(definition.sources),
            nullable=definition.nullable,
            items=[cls.of(item) for item in definition.items],
        )


@strawberry.type(description="One published version of a product: immutable.")
class ProductVersion:
    key: strawberry.ID
    version: int
    name: str
    kind: ProductKind
    description: str = strawberry.field(
        description="The published rules it follows, as its authors cite them."
    )
    document: JSON = strawberry.field(description="The whole document: parameters, data limits, JDM graph.")
    document_hash: str = strawberry.field(description="sha256 of the document's canonical JSON.")
    parameters: JSON = strawberry.field(description="Its thresholds, as the rules read them (params.<name>).")
    facts: list[str] = strawberry.field(description="The facts its rules read.")
    sources: list[str] = strawberry.field(description="The sources it needs.")
    published_at: datetime
    published_by: str | None = strawberry.field(description="The OAuth client that published it; null: CLI.")

    @classmethod
    def of(cls, version: PublishedVersion, compiled: CompiledProduct) -> ProductVersion:
        return cls(
            key=strawberry.ID(version.key),
            version=version.version,
            name=version.name,
            kind=ProductKind[version.kind],
            description=compiled.document.description,
            document=JSON(version.document),
            document_hash=version.document_hash,
            parameters=JSON(dict(compiled.parameters)),
            facts=sorted(compiled.facts),
            sources=sorted(compiled.sources),
            published_at=version.published_at,
            published_by=version.published_by,
        )


@strawberry.type(description="A product of your tenant and its versions.")
class Product:
    key: strawberry.ID
    name: str = strawberry.field(description="The latest version's name.")
    kind: ProductKind
    latest_version: int
    versions: list[ProductVersion] = strawberry.field(description="Oldest first.")


@strawberry.type(description="A product template the hub ships: publish it (as is or edited) to own it.")
class ProductTemplate:
    key: strawberry.ID
    name: str
    kind: ProductKind
    description: str
    document: JSON

    @classmethod
    def of(cls, template: Template) -> ProductTemplate:
        return cls(
            key=strawberry.ID(template.key),
            name=template.name,
            kind=ProductKind[template.kind],
            description=str(template.document.get("description", "")),
            document=JSON(template.document),
        )


@strawberry.type(description="Why a product decided as it did: one rule or data check.")
class Reason:
    code: str = strawberry.field(
        description="e.g. DATA_WITHHELD, MONTHS_IN_BUSINESS_SHORT, CAPPED_AT_PRODUCT_MAX."
    )
    message: str
    inputs: JSON | None = strawberry.field(description="What the rule looked at.")
    threshold: JSON | None = strawberry.field(description="What it was held to.")

    @classmethod
    def of(cls, reason: ReasonValue) -> Reason:
        return cls(code=reason.code, message=reason.message, inputs=reason.inputs, threshold=reason.threshold)


@strawberry.type(description="One rule, expression, switch statement or data check as it ran.")
class TraceStep:
    node: str = strawberry.field(description="The graph node's name ('data' for the data checks).")
    kind: str = strawberry.field(description="rule, expression, switch or data.")
    rule: str | None = strawberry.field(description="The rule's id, the expression's key, the check's name.")
    description: str | None = strawberry.field(description="The rule's description or the expression.")
    inputs: JSON | None = strawberry.field(description="The values it read.")
    result: JSON | None = strawberry.field(description="What it gave (a table rule: whether it matched).")

    @classmethod
    def of(cls, step: TraceValue) -> TraceStep:
        return cls(
            node=step.node,
            kind=step.kind,
            rule=step.rule,
            description=step.description,
            inputs=step.inputs,
            result=step.result,
        )


@strawberry.type(description="A record an assessment read: the snapshot it is replayed from.")
class AssessmentInput:
    source: str
    credit_code: strawberry.ID = strawberry.field(description="The firm's, or a related firm's (a debtor).")
    status: InputStatus
    content_hash: str | None = strawberry.field(description="sha256 of the snapshot's content.")
    fetched_at: datetime | None = strawberry.field(description="When the hub had it from the upstream.")


@strawberry.type(description="A fact an assessment's rules read: its value and the snapshot it came from.")
class AssessmentFact:
    name: str = strawberry.field(description="e.g. electricity.feesPaid24mYuan (see productFacts).")
    value: JSON | None
    sources: list[str]
    content_hashes: list[str] = strawberry.field(
        description="sha256 of each source's snapshot it was built from, in the order of `sources`."
    )


@strawberry.type(description="A product's decision for one firm, stored and audited; replayable by id.")
class Assessment:
    id: strawberry.ID
    credit_code: strawberry.ID
    product: strawberry.ID = strawberry.field(description="The product's key.")
    product_version: int
    decision: Decision
    score: float | None
    rating: str | None
    credit_line_yuan: Decimal | None = strawberry.field(description="To the fen; null unless ELIGIBLE.")
    reasons: list[Reason] = strawberry.field(description="At most 4 principal reasons, in rule priority.")
    reason_count: int = strawberry.field(description="All reasons, of which `reasons` are the first.")
    trace: list[TraceStep] = strawberry.field(description="Every rule evaluated: inputs and result.")
    input_hashes: list[AssessmentInput]
    facts: list[AssessmentFact] = strawberry.field(
        description="The facts its rules read, each with its sources' snapshot hashes (empty when a data "
        "check decided REFER before any rule ran)."
    )
    evaluated_at: datetime
    replayed: bool = strawberry.field(
        description="Evaluated again from its stored snapshots (assessment(id))."
    )

    @classmethod
    def of(cls, assessed: Assessed) -> Assessment:
        outcome = assessed.outcome
        return cls(
            id=strawberry.ID(assessed.id),
            credit_code=strawberry.ID(assessed.credit_code),
            product=strawberry.ID(assessed.version.key),
            product_version=assessed.version.version,
            decision=Decision(outcome.decision),
            score=outcome.score,
            rating=outcome.rating,
            credit_line_yuan=outcome.credit_line_yuan,
            reasons=[Reason.of(reason) for reason in outcome.principal_reasons],
            reason_count=len(outcome.reasons),
            trace=[TraceStep.of(step) for step in outcome.trace],
            input_hashes=[
                AssessmentInput(
                    source=read.source,
                    credit_code=strawberry.ID(read.credit_code),
                    status=InputStatus(read.status),
                    content_hash=read.content_hash,
                    fetched_at=read.fetched_at,
                )
                for read in assessed.inputs
            ],
            facts=_facts(assessed),
            evaluated_at=assessed.evaluated_at,
            replayed=assessed.replayed,
        )


def _facts(assessed: Assessed) -> list[AssessmentFact]:
    catalog = fact_catalog()
    hashes = {
        read.source: read.content_hash or ""
        for read in assessed.inputs
        if read.credit_code == assessed.credit_code
    }
    facts = []
    for name, value in assessed.outcome.facts:
        sources = list(catalog[name].sources)
        facts.append(
            AssessmentFact(
                name=name,
                value=JSON(value),
                sources=sources,
                content_hashes=[hashes.get(source, "") for source in sources],
            )
        )
    return facts


@strawberry.input(description="A new version of a product of your tenant.")
class PublishProductInput:
    key: strawberry.ID = strawberry.field(description="2-64 of a-z, 0-9, '-'; a new key starts at version 1.")
    name: str
    kind: ProductKind
    document: JSON = strawberry.field(description="parameters, maxAgeDays, history and the JDM graph.")


@strawberry.input(description="Who a simulation runs over: exactly one of these.")
class PopulationInput:
    credit_codes: list[strawberry.ID] | None = None
    region: str | None = strawberry.field(default=None, description="A division code: 2, 4 or 6 digits.")
    industry: str | None = strawberry.field(default=None, description="An industry code (C17) or word.")
    supply_chain_of: strawberry.ID | None = strawberry.field(
        default=None, description="A core enterprise: its direct suppliers and distributors."
    )


@strawberry.type
class DecisionCounts:
    eligible: int
    ineligible: int
    refer: int


@strawberry.type(description="One version's decisions over the population.")
class SimulatedVersion:
    version: int
    counts: DecisionCounts
    total_credit_line_yuan: Decimal


@strawberry.type(description="A firm whose decision differs from the first version's.")
class DecisionFlip:
    credit_code: strawberry.ID
    from_version: int
    to_version: int
    from_decision: Decision
    to_decision: Decision
    reasons_added: list[str]
    reasons_removed: list[str]


@strawberry.type(description="A what-if of product versions over a population (nothing is stored).")
class ProductSimulation:
    population: int
    versions: list[SimulatedVersion]
    flips: list[DecisionFlip] = strawberry.field(description="At most 1000; flipCount counts them all.")
    flip_count: int

    @classmethod
    def of(cls, simulation: SimulationValue) -> ProductSimulation:
        return cls(
            population=simulation.population,
            versions=[
                SimulatedVersion(
                    version=result.version,
                    counts=DecisionCounts(
                        eligible=result.counts["ELIGIBLE"],
                        ineligible=result.counts["INELIGIBLE"],
                        refer=result.counts["REFER"],
                    ),
                    total_credit_line_yuan=result.total_credit_line_yuan,
                )
                for result in simulation.versions
            ],
            flips=[
                DecisionFlip(
                    credit_code=strawberry.ID(flip.credit_code),
                    from_version=flip.from_version,
                    to_version=flip.to_version,
                    from_decision=Decision(flip.from_decision),
                    to_decision=Decision(flip.to_decision),
                    reasons_added=list(flip.reasons_added),
                    reasons_removed=list(flip.reasons_removed),
                )
                for flip in simulation.flips
            ],
            flip_count=simulation.flip_count,
        )

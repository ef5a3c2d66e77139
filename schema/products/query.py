"""Root fields of lending products; each acts for the caller's own tenant only.

Scopes: ``products:read`` (products, templates, the fact catalog, replaying an assessment),
``products:write`` (publishing a version), ``products:assess`` (assess, assessments, simulateProduct), and
for the data the source scopes and the firms' consents as everywhere else: a product never reads more than
its caller could.
"""

from __future__ import annotations

from itertools import groupby

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionNode, SelectionSetNode

from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest
from hub.products.facts import definitions
from hub.products.population import PopulationSpec, resolve_population
from hub.products.service import Assessed
from hub.products.templates import templates
from hub.sources.permitted import access_outcome
from hub.sources.snapshots import known_enterprises
from schema.context import Context, Info
from schema.permissions import HasScope, requires
from schema.products.types import (
    Assessment,
    Fact,
    PopulationInput,
    Product,
    ProductKind,
    ProductSimulation,
    ProductTemplate,
    ProductVersion,
    PublishProductInput,
)

READ = "products:read"
WRITE = "products:write"
ASSESS = "products:assess"


async def _products(info: Info, key: str | None = None) -> list[Product]:
    service = info.context.services.products
    versions = await service.products.versions(info.context.principal.tenant_id, key)
    products = []
    for product_key, group in groupby(versions, key=lambda version: version.key):
        listed = [ProductVersion.of(version, service.compiled(version)) for version in group]
        latest = listed[-1]
        products.append(
            Product(
                key=strawberry.ID(product_key),
                name=latest.name,
                kind=latest.kind,
                latest_version=latest.version,
                versions=listed,
            )
        )
    return products


def _asks_for(info: Info, name: str) -> bool:
    """Whether this root field's selection (fragments included) asks for ``name``: the trace of every
    rule is made only for a query that reads it. Read off the operation's AST (strawberry's
    ``selected_fields`` converts the whole selection: a third of an assessment's time)."""
    fragments = info.context.fragments

    def selections(node: SelectionSetNode | None) -> list[SelectionNode]:
        found: list[SelectionNode] = []
        for selection in node.selections if node is not None else ():
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                found += selections(fragment.selection_set if fragment is not None else None)
            elif isinstance(selection, InlineFragmentNode):
                found += selections(selection.selection_set)
            else:
                found.append(selection)
        return found

    def reads(node: SelectionSetNode | None) -> bool:
        return any(
            isinstance(field, FieldNode) and (field.name.value == name or reads(field.selection_set))
            for field in selections(node)
        )

    key = info.path.key
    return any(
        isinstance(field, FieldNode)
        and (field.alias.value if field.alias else field.name.value) == key
        and reads(field.selection_set)
        for field in selections(info.operation.selection_set)
    )


async def _assess(
    context: Context, product: str, version: int | None, codes: list[str], *, trace: bool
) -> list[Assessed]:
    services = context.services
    published, compiled = await services.products.product(context.principal.tenant_id, product, version)
    checked = list(dict.fromkeys(checked_credit_code(code) for code in codes))
    firms = await services.products.read(
        services.sources, services.auth, context.principal, [compiled], checked
    )
    for firm in firms.values():
        for read in firm.all():
            context.accesses.record(read.credit_code, read.source, access_outcome(read))  # type: ignore[arg-type]
    return await services.products.assess(
        context.principal,
        published,
        [firms[code] for code in checked],
        settle=services.sources.settle_snapshots,
        trace=trace,
        audit_into=context.audit_entries,
    )


@strawberry.type
class ProductQuery:
    @strawberry.field(
        description="Your tenant's lending products and their versions (scope products:read).",
        extensions=[requires(HasScope(READ))],
    )
    async def products(self, info: Info) -> list[Product]:
        return await _products(info)

    @strawberry.field(
        description="One product of your tenant by key; null when there is none (scope products:read).",
        extensions=[requires(HasScope(READ))],
    )
    async def product(self, info: Info, key: strawberry.ID) -> Product | None:
        found = await _products(info, str(key))
        return found[0] if found else None

    @strawberry.field(
        description="The templates the hub ships (electricity, tax, receivable and logistics loans), to "
        "publish as your own product (scope products:read).",
        extensions=[requires(HasScope(READ))],
    )
    def product_templates(self) -> list[ProductTemplate]:
        return [ProductTemplate.of(template) for template in templates().values()]

    @strawberry.field(
        description="Every fact a product's rules may read, typed and named by source (scope products:read).",
        extensions=[requires(HasScope(READ))],
    )
    def product_facts(self) -> list[Fact]:
        return [Fact.of(definition) for definition in definitions()]

    @strawberry.field(
        description="A stored assessment, replayed from exactly the snapshots it read: the identical "
        "result, whatever was published or fetched since (SNAPSHOT_EXPIRED when a snapshot is gone). "
        "Scope products:read.",
        extensions=[requires(HasScope(READ))],
    )
    async def assessment(self, info: Info, id: strawberry.ID) -> Assessment:
        services = info.context.services
        replayed = await services.products.replay(info.context.principal, str(id), services.sources)
        return Assessment.of(replayed)

    @strawberry.field(
        description="What-if: versions of a product over a population (listed firms, a region, an "
        "industry or a core enterprise's supply chain): counts by decision, total line, and the firms whose "
        "decision flips against the first version, with their changed reasons. Nothing is stored; one audit "
        "row. Scope products:assess (and the data scopes: firms you may not read are REFER).",
        extensions=[requires(HasScope(ASSESS))],
    )
    async def simulate_product(
        self, info: Info, product: strawberry.ID, versions: list[int], population: PopulationInput
    ) -> ProductSimulation:
        context = info.context
        services = context.services
        spec = PopulationSpec(
            credit_codes=[str(code) for code in population.credit_codes]
            if population.credit_codes is not None
            else None,
            region=population.region,
            industry=population.industry,
            supply_chain_of=str(population.supply_chain_of) if population.supply_chain_of else None,
        )
        codes = await resolve_population(
            spec,
            principal=context.principal,
            reader=services.sources,
            consents=services.auth,
            known=lambda: known_enterprises(services.sessions),
        )
        simulation = await services.products.simulate(
            context.principal,
            str(product),
            versions,
            codes,
            services.sources,
            services.auth,
            population=spec.describe(),
        )
        return ProductSimulation.of(simulation)


@strawberry.type
class ProductMutation:
    @strawberry.mutation(
        description="Publish the next version of a product of your tenant (version 1 for a new key). The "
        "document is checked first: PRODUCT_INVALID names the node and rule of an invalid graph, an unknown "
        "fact, a non-monotonic bucket table or a missing required output. Scope products:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def publish_product(self, info: Info, input: PublishProductInput) -> ProductVersion:
        context = info.context
        service = context.services.products
        kind = input.kind.value if isinstance(input.kind, ProductKind) else str(input.kind)
        published = await service.publish(
            tenant_id=context.principal.tenant_id,
            client_id=context.principal.client_id,
            key=str(input.key),
            name=input.name,
            kind=kind,
            document=input.document,
        )
        return ProductVersion.of(published, service.compiled(published))

    @strawberry.mutation(
        description="Assess one firm with a product of your tenant (its latest version unless `version`): "
        "ELIGIBLE, INELIGIBLE or REFER with reasons and the trace of every rule; stored and audited. Data "
        "you may not read, missing, stale or too short gives REFER with a DATA_* reason. Scope "
        "products:assess and the scopes and consents of the sources the product reads.",
        extensions=[requires(HasScope(ASSESS))],
    )
    async def assess(
        self, info: Info, credit_code: strawberry.ID, product: strawberry.ID, version: int | None = None
    ) -> Assessment:
        made = await _assess(
            info.context, str(product), version, [str(credit_code)], trace=_asks_for(info, "trace")
        )
        return Assessment.of(made[0])

    @strawberry.mutation(
        description="Assess up to 100 firms at once (in the order asked, each once): each (source, firm) "
        "is read once for the whole batch. Scope products:assess.",
        extensions=[requires(HasScope(ASSESS))],
    )
    async def assessments(
        self,
        info: Info,
        credit_codes: list[strawberry.ID],
        product: strawberry.ID,
        version: int | None = None,
    ) -> list[Assessment]:
        limit = info.context.services.settings.max_batch_size
        if len(credit_codes) > limit:
            raise BadRequest(
                f"creditCodes takes at most {limit} items, got {len(credit_codes)}", argument="creditCodes"
            )
        codes = [str(code) for code in credit_codes]
        made = await _assess(info.context, str(product), version, codes, trace=_asks_for(info, "trace"))
        return [Assessment.of(assessed) for assessed in made]

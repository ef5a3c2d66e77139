"""Limits on what one operation may ask: depth, aliases, tokens, firms and cost, all ``QUERY_TOO_COMPLEX``.

Tokens use the parser's limit (its error is recognised by the error mapper). Depth, aliases, firms and
cost are ours, and their price is bounded by the document's size whatever it asks for: every fragment is
analysed once (:class:`_Shapes` memoises each fragment's figures) and a spread only adds or multiplies
what its fragment's analysis already found; spreads are never expanded. A document whose fragments spread
earlier ones twice, level after level, asks for work that doubles with each level; here it costs one
pass over its text, and its figures (which do double) are refused.

- depth: nested fields with a selection (introspection fields do not count), as strawberry counts it;
- aliases: aliased fields, a fragment's counted once per spread;
- firms: enterprises a request names, across ``enterprise``, ``enterprises`` and ``_entities`` and
  their aliases, at most ``HUB_MAX_BATCH_SIZE``; a single list over it is ``BAD_REQUEST`` (as the
  resolvers say too);
- cost: each field costs 1, a field that reads an upstream what its source declares (by default
  :data:`schema.sources.SOURCE_FIELD_COST`; :func:`field_costs`), every firm an
  entity field returns that much too (its registry read), and a list field multiplies what it selects by
  its size (``first`` of a connection, the number of codes or representations, the fan-out of a supply
  chain's ``depth``). Variables count with their values, so firms and cost are checked after validation,
  when they are known.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)
from graphql.validation import ASTValidationRule, ValidationContext
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension

from foundation.errors import BadRequest, QueryTooComplex, RateLimited
from foundation.settings import Settings
from schema.context import Context
from schema.pagination import DEFAULT_PAGE, MAX_PAGE
from schema.sources import SOURCE_FIELD_COST, source_fields

QUERY_TOO_COMPLEX = QueryTooComplex.code
UPSTREAM_FIELDS = ("registration", "indicators", "supplyChain")
"""Fields that read upstreams besides the sources' own (whose costs their declarations give)."""
CONNECTION_FIELDS = frozenset({"waybills", "orders", "receivables"})
SUPPLY_CHAIN_FAN_OUT = 20
"""Links assumed per tier when costing ``supplyChain(depth:)``."""
ENTITY_LISTS = {"enterprises": "creditCodes", "_entities": "representations", "assessments": "creditCodes"}
"""Root fields returning one firm per item of an argument."""
ONE_FIRM_FIELDS = frozenset({"enterprise", "assess"})
"""Fields reading one firm named by ``creditCode`` (a root field, or a supply-chain link's firm)."""
SIMULATION_COST = 5000
"""``simulateProduct`` evaluates up to thousands of firms (bounded by its population limit, not by
``HUB_MAX_BATCH_SIZE``): priced as one request that costs like fifty 100-firm batches' worth of rules."""
VERIFICATION_COST = 5 * SOURCE_FIELD_COST
"""``verification`` reads a firm's five sources and its counterparties' trade and registry."""
FIXED_COSTS = {
    "simulateProduct": SIMULATION_COST,
    "assessment": SOURCE_FIELD_COST,
    "verification": VERIFICATION_COST,
}


@dataclass(frozen=True)
class Figures:
    """What a selection asks for; the unit of memoisation (one per fragment)."""

    depth: int = 0
    aliases: int = 0


def _is_introspection(name: str) -> bool:
    return name.startswith("__")


class _Shapes:
    """Depth and aliases of a document's selections, each fragment analysed once."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self._memo: dict[str, Figures] = {}
        self._visiting: set[str] = set()

    def fragment(self, name: str) -> Figures:
        known = self._memo.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        # An unknown fragment or a cycle is a validation error reported by graphql-core's own rules.
        if fragment is None or name in self._visiting:
            return Figures()
        self._visiting.add(name)
        figures = self._memo[name] = self.selection_set(fragment.selection_set)
        self._visiting.discard(name)
        return figures

    def selection_set(self, selection_set: SelectionSetNode | None) -> Figures:
        depth = aliases = 0
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                aliases += selection.alias is not None
                if selection.selection_set is not None and not _is_introspection(selection.name.value):
                    inner = self.selection_set(selection.selection_set)
                    depth, aliases = max(depth, 1 + inner.depth), aliases + inner.aliases
            else:
                inner = (
                    self.fragment(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else self.selection_set(selection.selection_set)
                    if isinstance(selection, InlineFragmentNode)
                    else Figures()
                )
                depth, aliases = max(depth, inner.depth), aliases + inner.aliases
        return Figures(depth, aliases)


def shape_rule(max_depth: int, max_aliases: int) -> type[ASTValidationRule]:
    """The validation rule refusing deep or alias-heavy operations (built once per schema: strawberry's
    validation cache is keyed by the rule classes)."""

    class OperationShape(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            shapes = _Shapes(context.document)
            aliases = 0
            for definition in context.document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    figures = shapes.selection_set(definition.selection_set)
                    aliases += figures.aliases
                    if figures.depth > max_depth:
                        name = definition.name.value if definition.name else "anonymous"
                        context.report_error(
                            _too_complex(
                                f"'{name}' exceeds maximum operation depth of {max_depth}",
                                depth=figures.depth,
                                maxDepth=max_depth,
                            )
                        )
            if aliases > max_aliases:
                context.report_error(
                    _too_complex(
                        f"{aliases} aliases found. Allowed: {max_aliases}",
                        aliases=aliases,
                        maxAliases=max_aliases,
                    )
                )

    return OperationShape


@cache
def field_costs() -> dict[str, int]:
    """What a field that reads an upstream costs, by field name: each source's own as declared."""
    costs = dict.fromkeys(UPSTREAM_FIELDS, SOURCE_FIELD_COST)
    return {**costs, **{name: spec.cost for name, spec in source_fields().items()}}


def _name_of(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name else None


def _too_complex(message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": QUERY_TOO_COMPLEX, **extensions})


@dataclass(frozen=True)
class Demand:
    """What an operation would cost to answer: its cost and the firms it names."""

    cost: int = 0
    firms: int = 0
    largest_list: tuple[str, int] | None = None  # (argument, items) of the longest entity list

    def plus(self, other: Demand) -> Demand:
        largest = max(
            (pair for pair in (self.largest_list, other.largest_list) if pair is not None),
            key=lambda pair: pair[1],
            default=None,
        )
        return Demand(self.cost + other.cost, self.firms + other.firms, largest)


class _Costing:
    """Cost and firms of an operation, each fragment costed once for this request's variables."""

    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        declared: Mapping[str, Any],
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.declared = declared
        self._memo: dict[str, Demand] = {}
        self._visiting: set[str] = set()

    def argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def _value(self, value: ValueNode) -> Any:
        if isinstance(value, VariableNode):
            name = value.name.value
            return self.variables.get(name, self.declared.get(name))
        return value_from_ast_untyped(value)

    def field(self, field: FieldNode) -> Demand:
        name = field.name.value
        inner = self.selection_set(field.selection_set)
        if name in ENTITY_LISTS:
            items = self.argument(field, ENTITY_LISTS[name])
            count = len(items) if isinstance(items, list) else 1
            cost = 1 + count * (SOURCE_FIELD_COST + inner.cost)
            return Demand(cost, count, (ENTITY_LISTS[name], count))
        if name in ONE_FIRM_FIELDS:  # by code, or a supply-chain link's firm: a registry read or more
            named = self.argument(field, "creditCode") is not None
            return Demand(1 + SOURCE_FIELD_COST + inner.cost, int(named))
        if name in FIXED_COSTS:
            return Demand(FIXED_COSTS[name] + inner.cost)
        own = field_costs().get(name, 1)
        return Demand(own + self._factor(field) * inner.cost)

    def _factor(self, field: FieldNode) -> int:
        name = field.name.value
        if name in CONNECTION_FIELDS:
            first = self.argument(field, "first")
            first = DEFAULT_PAGE if first is None else first
            return first if isinstance(first, int) and 0 <= first <= MAX_PAGE else MAX_PAGE
        if name == "supplyChain":
            depth = self.argument(field, "depth")
            depth = 1 if depth is None else depth
            return SUPPLY_CHAIN_FAN_OUT ** min(depth, 3) if isinstance(depth, int) and depth > 0 else 1
        return 1

    def fragment(self, name: str) -> Demand:
        known = self._memo.get(name)
        if known is not None:
            return known
        fragment = self.fragments.get(name)
        if fragment is None or name in self._visiting:  # refused by validation already
            return Demand()
        self._visiting.add(name)
        demand = self._memo[name] = self.selection_set(fragment.selection_set)
        self._visiting.discard(name)
        return demand

    def selection_set(self, selection_set: SelectionSetNode | None) -> Demand:
        total = Demand()
        for selection in selection_set.selections if selection_set is not None else ():
            if isinstance(selection, FieldNode):
                total = total.plus(self.field(selection))
            elif isinstance(selection, InlineFragmentNode):
                total = total.plus(self.selection_set(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                total = total.plus(self.fragment(selection.name.value))
        return total


def operation_demand(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> Demand:
    declared = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return _Costing(fragments, variables or {}, declared).selection_set(operation.selection_set)


def operation_cost(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    return operation_demand(operation, fragments, variables).cost


def rate_tokens(cost: int, *, cost_per_token: int, burst: int) -> int:
    """Rate-limit tokens a request of ``cost`` takes: one per ``cost_per_token`` (at least 1), never more
    than the burst (so the costliest query the cost limit admits can still pass)."""
    return max(1, min(burst, math.ceil(cost / cost_per_token)))


async def _charge(context: Context, cost: int) -> RateLimited | None:
    """Take what the request's cost asks from its client's bucket beyond the token the HTTP edge took;
    the refusal, if any, is also left on the context (the view answers it with 429 and Retry-After)."""
    settings = context.services.settings
    tokens = rate_tokens(
        cost, cost_per_token=settings.rate_limit_cost_per_token, burst=settings.rate_limit_burst
    )
    context.rate_tokens = tokens
    if tokens <= 1:
        return None
    try:
        await context.services.auth.check_rate_limit(context.principal, tokens=tokens - 1)
    except RateLimited as refusal:
        context.rate_refusal = refusal
        return refusal
    return None


class CostLimit(SchemaExtension):
    """Refuses an operation naming too many firms or costing more than ``max_cost`` (listed after the
    validation cache), and charges the client's rate limit by the cost it admits."""

    def __init__(self, max_cost: int, max_firms: int) -> None:
        self.max_cost = max_cost
        self.max_firms = max_firms

    async def on_validate(self) -> AsyncIterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None and not execution.pre_execution_errors:
            demand = self._demand(document)
            refusal = self._refusal(demand)
            if refusal is not None:
                execution.pre_execution_errors = [refusal]
            elif isinstance(execution.context, Context):
                rate_limited = await _charge(execution.context, demand.cost)
                if rate_limited is not None:
                    execution.pre_execution_errors = [
                        GraphQLError(
                            rate_limited.message,
                            extensions={"code": rate_limited.code, **rate_limited.extensions},
                        )
                    ]
        yield

    def _demand(self, document: DocumentNode) -> Demand:
        context = self.execution_context
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        chosen = [
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (context.operation_name is None or _name_of(d) == context.operation_name)
        ]
        if isinstance(context.context, Context):
            context.context.fragments = fragments
        demands = [operation_demand(op, fragments, context.variables) for op in chosen]
        return max(demands, key=lambda demand: (demand.cost, demand.firms), default=Demand())

    def _refusal(self, demand: Demand) -> GraphQLError | None:
        if demand.largest_list is not None and demand.largest_list[1] > self.max_firms:
            argument, items = demand.largest_list
            error = BadRequest(
                f"{argument} takes at most {self.max_firms} items, got {items}", argument=argument
            )
            return GraphQLError(error.message, extensions={"code": error.code, **error.extensions})
        if demand.firms > self.max_firms:
            return _too_complex(
                f"the request names {demand.firms} firms across its fields; at most {self.max_firms}",
                firms=demand.firms,
                maxFirms=self.max_firms,
            )
        if demand.cost > self.max_cost:
            return _too_complex(
                f"query cost {demand.cost} exceeds the limit of {self.max_cost}",
                cost=demand.cost,
                maxCost=self.max_cost,
            )
        return None


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Per-request factories of the limit extensions, configured from settings (order matters: the cost
    check reads the validation result, so it comes after the validation cache the schema adds).

    The shape rule is built once here, per schema: strawberry's validation cache is keyed by the rule
    classes, so classes built per request would make every request miss it.
    """
    rules = [shape_rule(settings.max_query_depth, settings.max_aliases)]
    return [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]


def cost_limit(settings: Settings) -> Callable[[], SchemaExtension]:
    return lambda: CostLimit(settings.max_query_cost, settings.max_batch_size)

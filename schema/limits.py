"""Limits on what one operation may ask: depth, aliases, tokens and cost, all ``QUERY_TOO_COMPLEX``.

Depth and aliases use strawberry's validation rules (their errors tagged here), tokens its parser limit
(the parser's error is recognised by the error mapper); the cost limit is ours:
each field costs 1, a field that reads an upstream costs :data:`SOURCE_FIELD_COST`, and a list field
multiplies what it selects by its size (``first`` of a connection, the number of ``creditCodes``, the
fan-out of a supply chain's ``depth``). Variables count with their values, so the check runs after
validation, when they are known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
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
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from hub.errors import QueryTooComplex
from hub.settings import Settings
from schema.pagination import DEFAULT_PAGE, MAX_PAGE

QUERY_TOO_COMPLEX = QueryTooComplex.code
SOURCE_FIELD_COST = 10
SOURCE_FIELDS = frozenset(
    {"registration", "electricity", "logistics", "tax", "trade", "indicators", "supplyChain"}
)
CONNECTION_FIELDS = frozenset({"waybills", "orders", "receivables"})
SUPPLY_CHAIN_FAN_OUT = 20
"""Links assumed per tier when costing ``supplyChain(depth:)``."""


class _TaggingContext:
    """A validation context whose reported errors carry ``extensions.code = QUERY_TOO_COMPLEX``."""

    def __init__(self, context: ValidationContext) -> None:
        self._context = context

    def report_error(self, error: GraphQLError) -> None:
        error.extensions = {**(error.extensions or {}), "code": QUERY_TOO_COMPLEX}
        self._context.report_error(error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def too_complex(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """``rule`` with its errors tagged ``QUERY_TOO_COMPLEX``."""

    class TooComplex(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(_TaggingContext(context))

    TooComplex.__name__ = f"TooComplex{rule.__name__}"
    return TooComplex


def _size(value: ValueNode, variables: Mapping[str, Any], declared: Mapping[str, Any]) -> Any:
    if isinstance(value, VariableNode):
        name = value.name.value
        return variables.get(name, declared.get(name))
    return value_from_ast_untyped(value)


def _factor(field: FieldNode, variables: Mapping[str, Any], declared: Mapping[str, Any]) -> int:
    arguments = {
        argument.name.value: _size(argument.value, variables, declared) for argument in field.arguments or ()
    }
    name = field.name.value
    if name in CONNECTION_FIELDS:
        first = arguments.get("first", DEFAULT_PAGE)
        return first if isinstance(first, int) and 0 <= first <= MAX_PAGE else MAX_PAGE
    if name == "enterprises":
        codes = arguments.get("creditCodes")
        return len(codes) if isinstance(codes, list) else 1
    if name == "supplyChain":
        depth = arguments.get("depth", 1)
        return SUPPLY_CHAIN_FAN_OUT ** min(depth, 3) if isinstance(depth, int) and depth > 0 else 1
    return 1


class _Costing:
    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        declared: Mapping[str, Any],
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.declared = declared

    def selection_set(self, selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                own = SOURCE_FIELD_COST if selection.name.value in SOURCE_FIELDS else 1
                inner = self.selection_set(selection.selection_set, visiting)
                cost += own + _factor(selection, self.variables, self.declared) * inner
            elif isinstance(selection, InlineFragmentNode):
                cost += self.selection_set(selection.selection_set, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                # A cycle is a validation error reported elsewhere; here it just stops counting.
                if fragment is not None and name not in visiting:
                    cost += self.selection_set(fragment.selection_set, visiting | {name})
        return cost


def operation_cost(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    declared = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return _Costing(fragments, variables or {}, declared).selection_set(operation.selection_set, frozenset())


class CostLimit(SchemaExtension):
    """Refuses an operation whose cost exceeds ``max_cost`` (listed after the validation cache)."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.pre_execution_errors:
            fragments = {
                d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
            }
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            chosen = [
                operation
                for operation in operations
                if context.operation_name is None
                or (operation.name and operation.name.value == context.operation_name)
            ]
            cost = max((operation_cost(op, fragments, context.variables) for op in chosen), default=0)
            if cost > self.max_cost:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"query cost {cost} exceeds the limit of {self.max_cost}",
                        extensions={"code": QUERY_TOO_COMPLEX, "cost": cost, "maxCost": self.max_cost},
                    )
                ]
        yield


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Per-request factories of the limit extensions, configured from settings (order matters: the cost
    check reads the validation result, so it comes after the validation cache the schema adds).

    The depth and alias rules are built once here, per schema: strawberry's validation cache is keyed by
    the rule classes, so classes built per request would make every request miss it.
    """
    limiters = (
        QueryDepthLimiter(max_depth=settings.max_query_depth),
        MaxAliasesLimiter(max_alias_count=settings.max_aliases),
    )
    rules = [too_complex(rule) for limiter in limiters for rule in limiter.validation_rules]
    return [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]


def cost_limit(settings: Settings) -> Callable[[], SchemaExtension]:
    return lambda: CostLimit(settings.max_query_cost)

"""A regulator's operations reach the monitoring aggregates only.

A regulator's principal (``Principal.aggregates_only``) may select ``monitoring``, ``coreExposure`` and
introspection at the root; an operation selecting any other root field (an enterprise's data, consents,
products, verification, financing mutations, federation's ``_entities``), directly or through a fragment,
is refused before it is validated or executed: ``FORBIDDEN`` with the reason. Checked on the root fields
because every firm's data is reached through one of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Final

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from auth.principal import AGGREGATES_ONLY_REASON
from foundation.errors import Forbidden
from schema.context import Context

AGGREGATE_FIELDS: Final = frozenset({"monitoring", "coreExposure", "__typename", "__schema", "__type"})


def _root_names(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[str]:
    seen: set[str] = set()

    def walk(selections: SelectionSetNode) -> Iterator[str]:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                yield selection.name.value
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    yield from walk(fragments[name].selection_set)

    yield from walk(selection_set)


def refused_fields(
    operations: list[OperationDefinitionNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> list[str]:
    """Root fields of ``operations`` a regulator may not select, sorted."""
    names = {name for operation in operations for name in _root_names(operation.selection_set, fragments)}
    return sorted(names - AGGREGATE_FIELDS)


class AggregatesOnly(SchemaExtension):
    """Refuses a regulator's operation selecting anything but the aggregates (module docstring)."""

    async def on_validate(self) -> AsyncIterator[None]:
        # Before validation (listed ahead of it): strawberry reads the errors before the hooks' exits run.
        self._check()
        yield

    def _check(self) -> None:
        execution = self.execution_context
        context, document = execution.context, execution.graphql_document
        if execution.pre_execution_errors or document is None or not isinstance(context, Context):
            return
        if not context.principal.aggregates_only:
            return
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        operations = [
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (
                execution.operation_name is None
                or (d.name is not None and d.name.value == execution.operation_name)
            )
        ]
        refused = refused_fields(operations, fragments)
        if refused:
            error = Forbidden(f"{AGGREGATES_ONLY_REASON}; refused: {', '.join(refused)}", fields=refused)
            execution.pre_execution_errors = [
                GraphQLError(error.message, extensions={"code": error.code, **error.extensions})
            ]

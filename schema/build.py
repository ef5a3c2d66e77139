"""The hub's schema: root types composed from the domains, and the extensions configured from settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, ParserCache, SchemaExtension
from strawberry.federation.schema import FederationAny
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, Info

from foundation.errors import BadRequest
from foundation.settings import Settings
from schema.alerts.query import AlertMutation, AlertQuery
from schema.audit.query import AuditQuery
from schema.consent.query import ConsentMutation, ConsentQuery
from schema.data_access import RecordDataAccess
from schema.enterprise.query import EnterpriseQuery
from schema.errors import log_unexpected
from schema.federation import FederationQuery, resolve_entity
from schema.financing.query import FinancingMutation, FinancingQuery
from schema.limits import cost_limit, limit_extensions
from schema.monitoring.gate import AggregatesOnly
from schema.monitoring.query import MonitoringQuery
from schema.products.query import ProductMutation, ProductQuery
from schema.supply_chain.query import SupplyChainQuery
from schema.validation import ThreadedValidation, ValidationResults
from schema.verification.query import VerificationMutation, VerificationQuery
from schema.webhooks.query import WebhookMutation, WebhookQuery

FEDERATION_VERSION: Final = "2.5"
DOCUMENT_CACHE_SIZE = 256
"""Parsed and validated documents kept (LRU): bounded so unique query texts cannot grow memory."""

Query = merge_types(
    "Query",
    (
        EnterpriseQuery,
        SupplyChainQuery,
        ConsentQuery,
        ProductQuery,
        VerificationQuery,
        MonitoringQuery,
        FinancingQuery,
        AlertQuery,
        WebhookQuery,
        AuditQuery,
        FederationQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        ConsentMutation,
        ProductMutation,
        VerificationMutation,
        FinancingMutation,
        AlertMutation,
        WebhookMutation,
    ),
)


class HubSchema(strawberry.federation.Schema):
    """The federation v2 subgraph schema; logs only unexpected errors (typed ones are expected answers)."""

    validation_results: ValidationResults
    """Validated documents (schema/validation.py), per schema."""

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        """Federation ``_entities``: each representation's entity, or a BAD_REQUEST in its place; at most
        ``HUB_MAX_BATCH_SIZE`` representations (as ``enterprises``; the cost limit refuses more first)."""
        limit = info.context.services.settings.max_batch_size
        if len(representations) > limit:
            raise BadRequest(
                f"representations takes at most {limit} items, got {len(representations)}",
                argument="representations",
            )
        return [FederationAny(resolve_entity(info, representation)) for representation in representations]

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors)


def build_schema(settings: Settings) -> HubSchema:
    extensions: list[Callable[[], SchemaExtension]] = [
        RecordDataAccess,
        AggregatesOnly,
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        *limit_extensions(settings),
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    validated = ValidationResults(DOCUMENT_CACHE_SIZE)
    extensions += [lambda: ThreadedValidation(validated), cost_limit(settings)]
    schema = HubSchema(
        query=Query, mutation=Mutation, extensions=extensions, federation_version=FEDERATION_VERSION
    )
    schema.validation_results = validated
    return schema


def sdl() -> str:
    """The schema's SDL (independent of settings): what ``hub schema export`` prints."""
    # Default settings without reading the environment: the SDL does not depend on them.
    return build_schema(Settings.model_construct()).as_str() + "\n"

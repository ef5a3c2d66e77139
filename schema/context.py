"""The typed context every resolver receives, built once per request by the GraphQL view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import FragmentDefinitionNode
from strawberry.types import Info as StrawberryInfo

from audit.log import AuditEntry
from auth.principal import Principal
from foundation.errors import RateLimited
from schema.data_access import DataAccessLog
from schema.loaders import Loaders

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from hub.services import HubServices


@dataclass
class Context:
    """Per-request state: the caller, the per-request DataLoaders and the log of data accessed.

    Never share one across requests: the loaders cache what this caller was allowed to see.
    """

    request: Request
    response: Response
    services: HubServices
    principal: Principal
    loaders: Loaders
    accesses: DataAccessLog
    # Set by RecordDataAccess at the operation's end; the answer cache needs both.
    reads_source_data_only: bool = False
    operation_hash: str | None = None
    # Set by the cost limit: the rate-limit tokens this request took, and its refusal if it was over.
    rate_tokens: int = 1
    rate_refusal: RateLimited | None = None
    # The document's fragments by name (set by the cost limit, which reads them anyway).
    fragments: Mapping[str, FragmentDefinitionNode] = field(default_factory=dict)
    # Audit rows of what the operation did with the data (assessments), appended with its data accesses.
    audit_entries: list[AuditEntry] = field(default_factory=list)
    # Per-request loaders made on first use by the fields that need them (verification), by name.
    lazy_loaders: dict[str, Any] = field(default_factory=dict)
    # False once a field read records outside the request's loaders or depends on the tenant's settings
    # (verification): the whole-answer cache could not tell when such an answer goes stale.
    answer_cacheable: bool = True


Info = StrawberryInfo[Context, Any]
"""The ``info`` argument of resolvers and permissions in this schema."""

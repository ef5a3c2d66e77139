"""The caller of a request, as established from its bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from connectors.catalog import load_catalog

READ_SCOPES: Final = frozenset(source.read_scope for source in load_catalog())
"""One per known source (``<source>:read``), from the source catalog."""
PRODUCT_SCOPES: Final = frozenset({"products:read", "products:write", "products:assess"})
"""Lending products: ``products:read`` lists them, their templates and facts and replays assessments,
``products:write`` publishes versions, ``products:assess`` assesses firms and simulates (hub.products)."""
VERIFICATION_SCOPES: Final = frozenset({"verification:read", "verification:write"})
"""Trade-background verification: ``verification:read`` its findings (with the data scopes they need),
``verification:write`` the tenant's thresholds (hub.verification)."""
FINANCING_SCOPES: Final = frozenset({"financing:write", "monitoring:read"})
"""Receivable financing: ``financing:write`` registers and releases financings and reports loans
(hub.financing); ``monitoring:read`` the aggregate monitoring view (a regulator's; a bank sees its own
figures beside anonymised totals)."""
ALERT_SCOPES: Final = frozenset({"alerts:read", "alerts:write"})
"""Early warnings: ``alerts:read`` the watchlist, rules and alerts; ``alerts:write`` watches and unwatches
firms, sets rules and evaluates on demand (hub.alerts)."""
ALL_SCOPES: Final = (
    READ_SCOPES
    | PRODUCT_SCOPES
    | VERIFICATION_SCOPES
    | FINANCING_SCOPES
    | ALERT_SCOPES
    | {"consent:read", "consent:write", "webhooks:write", "federation", "admin"}
)
"""``consent:read`` lists the tenant's consents (``consent:write`` also may); ``webhooks:write`` creates,
lists and deletes the tenant's webhooks (hub.webhooks); ``federation`` reads the subgraph's SDL
(``_service``), what a gateway composing the hub needs."""


TenantKind = Literal["bank", "regulator"]
TENANT_KINDS: Final[tuple[TenantKind, ...]] = ("bank", "regulator")
"""A ``bank`` reads firms' data (with scopes and consents); a ``regulator`` sees aggregates only."""
REGULATOR_SCOPES: Final = frozenset({"monitoring:read"})
"""The only scopes a regulator's client may hold: it reads the monitoring aggregates, never a firm's data."""
AGGREGATES_ONLY_REASON: Final = (
    "regulators see aggregates only (monitoring, coreExposure), never an enterprise's data"
)


def source_scope(source: str) -> str:
    """The scope that reading ``source`` needs, e.g. ``electricity:read`` (its declaration's)."""
    return load_catalog()[source].read_scope


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated client of one tenant with its granted scopes.

    ``token_id`` is the access token's ``jti``; it is ``None`` only for the dev-only anonymous principal.
    ``tenant_kind`` comes from the token's signed ``tenant_kind`` claim (tokens without it are a bank's).
    """

    tenant_id: str
    client_id: str
    scopes: frozenset[str]
    token_id: str | None = None
    anonymous: bool = False
    tenant_kind: TenantKind = "bank"

    @property
    def aggregates_only(self) -> bool:
        """A regulator's caller: monitoring aggregates only (schema.monitoring.gate refuses the rest)."""
        return self.tenant_kind == "regulator"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

"""Default credentials of the sandbox providers (PROTOCOL.md, "Default credentials").

Only for the sandbox itself, tests and the hub's default development sources config: a real deployment
gets its credentials from the providers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a provider accepts: an API key (``secret`` empty), a client id or app key and its secret."""

    key: str
    secret: str = ""


REGISTRY_API_KEY = "sandbox-registry-key"
ELECTRICITY_CLIENT_ID = "hub-sandbox"
ELECTRICITY_CLIENT_SECRET = "sandbox-electricity-secret"  # noqa: S105 - a published sandbox default
LOGISTICS_API_KEY = "sandbox-logistics-key"
TAX_APP_KEY = "hub-sandbox"
TAX_APP_SECRET = "sandbox-tax-secret"  # noqa: S105 - a published sandbox default
TRADE_APP_KEY = "hub-sandbox"
TRADE_APP_SECRET = "sandbox-trade-secret"  # noqa: S105 - a published sandbox default

DEFAULT_CREDENTIALS: dict[str, Credentials] = {
    "registry": Credentials(REGISTRY_API_KEY),
    "electricity": Credentials(ELECTRICITY_CLIENT_ID, ELECTRICITY_CLIENT_SECRET),
    "logistics": Credentials(LOGISTICS_API_KEY),
    "tax": Credentials(TAX_APP_KEY, TAX_APP_SECRET),
    "trade": Credentials(TRADE_APP_KEY, TRADE_APP_SECRET),
}

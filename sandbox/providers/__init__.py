"""One starlette app per upstream provider; each module offers ``create_app(universe, config)``."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette

from sandbox.common import ProviderConfig
from sandbox.providers import electricity, logistics, registry, tax, trade
from sandbox.universe import Universe

AppFactory = Callable[[Universe, ProviderConfig], Starlette]

PROVIDERS: dict[str, AppFactory] = {
    "registry": registry.create_app,
    "electricity": electricity.create_app,
    "logistics": logistics.create_app,
    "tax": tax.create_app,
    "trade": trade.create_app,
}
"""Provider name → app factory, in the order of their default ports."""

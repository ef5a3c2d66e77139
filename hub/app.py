"""The starlette application: routes and lifespan only; everything else is built by the services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from auth.routes import oauth_routes
from foundation.logging import configure_logging
from foundation.settings import Settings, load_settings
from hub.gc_freeze import prepare_collector
from hub.health import healthz, readyz
from hub.http_limits import SMALL_BODY_BYTES, BodyLimits
from hub.metrics import metrics
from hub.server import trusted_proxies
from hub.services import HubServices
from hub.webhooks.catalogue import events_json
from schema.console import console_routes
from schema.edge import graphql_edge
from schema.graphiql import graphiql_assets_route
from schema.http import graphql_route


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = await HubServices.start(settings)
        app.state.services = services
        try:
            yield
        finally:
            await services.close()

    routes: list[BaseRoute] = [
        graphql_route(settings),  # first: the router tries routes in order and this one takes the traffic
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/webhooks/events.json", events_json),
        *oauth_routes(),
        *console_routes(),
        *([graphiql_assets_route()] if settings.graphiql_enabled else []),
    ]
    limits = Middleware(
        BodyLimits,
        graphql_bytes=settings.max_body_bytes,
        other_bytes=SMALL_BODY_BYTES,
        timeout_s=settings.body_timeout_s,
    )
    # Outermost first: bodies bounded, then /graphql's negotiation, authentication and rate limit.
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[limits, *graphql_edge(settings)])
    app.state.settings = settings
    return app


def app_from_environment() -> ASGIApp:
    """The app of a server's worker process (``hub serve``: :mod:`hub.server`), behind trusted proxies."""
    settings = load_settings()
    configure_logging(settings.log_level)
    app = trusted_proxies(create_app(settings), settings)
    prepare_collector()
    return app

"""Registry (market regulation): registration data by credit code, API key in ``X-API-Key``."""

from __future__ import annotations

import hmac

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common import ProviderConfig, ProviderError, firm_of, provider_app
from sandbox.credentials import Credentials
from sandbox.provider import SandboxProvider
from sandbox.registry_data import registration
from sandbox.universe import Universe

API_KEY = "sandbox-registry-key"


def check_api_key(request: Request, expected: str) -> None:
    """401 ``missing_api_key`` without the header, 403 ``invalid_api_key`` with a wrong one."""
    given = request.headers.get("x-api-key")
    if not given:
        raise ProviderError(401, "missing_api_key", "the X-API-Key header is required")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ProviderError(403, "invalid_api_key", "the API key is not valid")


def api_key_of(request: Request) -> str:
    return request.headers.get("x-api-key", "anonymous")


def create_app(universe: Universe, config: ProviderConfig) -> Starlette:
    async def enterprise(request: Request) -> Response:
        check_api_key(request, config.credentials.key)
        firm = firm_of(universe, request.path_params["creditCode"])
        return JSONResponse(registration(universe, firm.credit_code))

    routes = [Route("/v1/enterprises/{creditCode}", enterprise)]
    return provider_app(universe, config, routes, credential_of=api_key_of)


provider = SandboxProvider(
    name="registry",
    port_offset=0,
    create_app=create_app,
    credentials=Credentials(API_KEY),
    description="market regulation: registration data by credit code; API key header",
)

"""What every provider shares: its config, errors, parameter checks, ``/_sandbox/*`` routes and app assembly.

Handlers raise :class:`ProviderError`; one exception handler per app renders it in the provider's format
(JSON, or XML for tax), so a wrong request gets a 4xx with a body, never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from foundation.credit_code import InvalidCreditCode, validate
from sandbox.credentials import Credentials
from sandbox.faults import BadFaults, CredentialOf, ErrorRenderer, FaultMiddleware, FaultSettings, FaultState
from sandbox.fixtures import fixture_codes
from sandbox.ground_truth import ground_truth
from sandbox.universe import Firm, Universe

MAX_ENTERPRISE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """How one provider runs.

    Parameters:
        credentials: what it accepts (API key, or client id / app key and secret).
        faults: the fault settings it starts with and returns to on ``DELETE /_sandbox/faults``.
        token_ttl_s: lifetime of electricity access tokens.
        signature_window_s: accepted clock skew of signed requests (tax, trade), and nonce memory (tax).
    """

    credentials: Credentials
    faults: FaultSettings = field(default_factory=FaultSettings)
    token_ttl_s: int = 300
    signature_window_s: int = 300


class ProviderError(Exception):
    """An answer a real provider would give to a wrong request: status, machine code, message."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def json_error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


def firm_of(universe: Universe, credit_code: str | None, parameter: str = "creditCode") -> Firm:
    """The firm for a credit code from a request: 400 ``bad_credit_code`` or 404 ``not_found`` otherwise."""
    if not credit_code:
        raise ProviderError(400, "bad_request", f"missing parameter {parameter}")
    try:
        normalised = validate(credit_code)
    except InvalidCreditCode as error:
        raise ProviderError(400, "bad_credit_code", error.reason) from None
    firm = universe.firm(normalised)
    if firm is None:
        raise ProviderError(404, "not_found", f"no enterprise with credit code {normalised}")
    return firm


def int_parameter(
    request: Request, name: str, default: int, low: int, high: int | None = None, code: str | None = None
) -> int:
    """An integer query parameter in ``low..high``, else 400 with ``code`` (default ``bad_<name>``)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bounds = f"{low}..{high}" if high is not None else f">= {low}"
        raise ProviderError(400, code or f"bad_{name.lower()}", f"{name} must be an integer in {bounds}")
    return value


def _sandbox_routes(universe: Universe, state: FaultState) -> list[BaseRoute]:
    async def enterprises(request: Request) -> Response:
        limit = int_parameter(request, "limit", 100, 0, MAX_ENTERPRISE_LIMIT)
        offset = int_parameter(request, "offset", 0, 0)
        core_only = request.query_params.get("core", "false").lower() in ("true", "1", "yes")
        firms = [firm for firm in universe.firms if firm.is_core] if core_only else universe.firms
        codes = [firm.credit_code for firm in firms[offset : offset + limit]]
        return JSONResponse({"total": len(firms), "creditCodes": codes})

    async def fixtures(request: Request) -> Response:
        listing = [
            {"name": name, "creditCode": code, "summary": universe.fixtures[code].summary}
            for name, code in fixture_codes(universe).items()
        ]
        return JSONResponse({"fixtures": listing})

    async def anomalies(request: Request) -> Response:
        return JSONResponse({"anomalies": list(ground_truth(universe))})

    async def stats(request: Request) -> Response:
        return JSONResponse(
            {"requests": dict(sorted(state.requests.items())), "total": state.requests.total()}
        )

    async def reset_stats(request: Request) -> Response:
        state.requests.clear()
        return JSONResponse({"requests": {}, "total": 0})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            state.apply(state.defaults)
        elif request.method == "POST":
            try:
                changes = await request.json()
            except ValueError:
                raise ProviderError(400, "bad_faults", "body must be a JSON object") from None
            if not isinstance(changes, dict):
                raise ProviderError(400, "bad_faults", "body must be a JSON object")
            try:
                state.apply(state.settings.updated(changes))
            except BadFaults as error:
                raise ProviderError(400, "bad_faults", str(error)) from None
        return JSONResponse(state.settings.as_json())

    return [
        Route("/_sandbox/enterprises", enterprises),
        Route("/_sandbox/fixtures", fixtures),
        Route("/_sandbox/anomalies", anomalies),
        Route("/_sandbox/stats", stats),
        Route("/_sandbox/stats/reset", reset_stats, methods=["POST"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST", "DELETE"]),
    ]


def provider_app(
    universe: Universe,
    config: ProviderConfig,
    routes: Sequence[BaseRoute],
    *,
    render_error: ErrorRenderer = json_error,
    credential_of: CredentialOf,
) -> Starlette:
    """Assemble a provider: its data ``routes`` behind the fault middleware, plus the ``/_sandbox`` routes."""
    state = FaultState(seed=universe.seed, defaults=config.faults)

    async def provider_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ProviderError)
        return render_error(error.status, error.code, error.message, error.headers)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "bad_request")
        return render_error(error.status_code, code, str(error.detail), None)

    data_routes = list(routes)
    app = Starlette(
        routes=[*data_routes, *_sandbox_routes(universe, state)],
        middleware=[
            Middleware(
                FaultMiddleware,
                state=state,
                routes=data_routes,
                render_error=render_error,
                credential_of=credential_of,
            )
        ],
        exception_handlers={ProviderError: provider_error, HTTPException: http_error},
    )
    app.state.faults = state
    return app

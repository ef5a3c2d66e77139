"""The per-client rate limit at the HTTP edge: one token per authenticated request, after authentication.

A request over the limit is answered here: 429 with ``Retry-After`` and a ``RATE_LIMITED`` GraphQL error in
the negotiated media type; nothing of it is parsed. What a request costs beyond that token is known only
once its document is validated (:func:`schema.limits.rate_tokens`): the cost limit charges it then, and a
cached answer as much (:mod:`schema.cached_execution`), both answered 429 the same way by the view.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from foundation.errors import RateLimited
from schema.edge.authentication import principal_of
from schema.edge.exchange import exchange_of
from schema.edge.refusals import rate_limited_response


class RateLimit:
    """ASGI middleware taking one token of the caller's bucket (``AuthService.check_rate_limit``) per
    admitted request with a principal (``scope["user"]``, set by :mod:`schema.edge.authentication`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = exchange_of(scope)
        principal = principal_of(scope) if exchange is not None else None
        if exchange is not None and principal is not None:
            try:
                await exchange.services.auth.check_rate_limit(principal)
            except RateLimited as refusal:
                await rate_limited_response(refusal, exchange.result_media_type)(scope, receive, send)
                return
        await self.app(scope, receive, send)

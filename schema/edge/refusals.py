"""HTTP-level refusals of ``/graphql`` in GraphQL form: a body of one error with ``extensions.code``."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Final

from starlette.responses import Response

from foundation.errors import HubError, RateLimited, Unauthenticated
from schema.negotiation import JSON, Refusal, ResultMediaType

BEARER_CHALLENGE: Final = 'Bearer realm="hub"'


def error_response(
    status: int, error: HubError, media_type: ResultMediaType = JSON, headers: Mapping[str, str] | None = None
) -> Response:
    """``error`` as a GraphQL response body with ``extensions.code``, answered with ``status``."""
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code, **error.extensions}}]}
    return Response(json.dumps(body), status_code=status, media_type=media_type, headers=headers)


def refusal_response(refusal: Refusal) -> Response:
    """A request refused by content negotiation (:mod:`schema.negotiation`)."""
    return error_response(refusal.status, refusal.error, refusal.media_type, refusal.headers)


def unauthenticated_response(refusal: Unauthenticated, media_type: ResultMediaType = JSON) -> Response:
    """401 with the bearer challenge."""
    return error_response(401, refusal, media_type, {"WWW-Authenticate": BEARER_CHALLENGE})


def rate_limited_response(refusal: RateLimited, media_type: ResultMediaType = JSON) -> Response:
    """429 with ``Retry-After`` (whole seconds, at least 1)."""
    retry_after = str(max(1, math.ceil(refusal.retry_after_s)))
    return error_response(429, refusal, media_type, {"Retry-After": retry_after})

"""Content negotiation of ``/graphql``: the media type a request is answered in, or why it is refused
before anyone looks at who sent it.

In this order (the first that applies answers):

- 405 (with ``Allow: GET, POST``) for any other method;
- the GraphiQL page (``text/html``) for a browser, when GraphiQL is enabled: a GET without ``query``
  whose Accept names ``text/html``;
- 406 for an Accept naming neither JSON type; otherwise ``application/graphql-response+json`` when asked
  for by name (and not ranked below plain JSON), ``application/json`` for a missing Accept, a wildcard or
  ``application/json`` itself (what every client understands);
- 415 for a POST whose body is not ``application/json``, in the media type negotiated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Literal

from starlette.datastructures import QueryParams

from foundation.errors import BadRequest

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
JSON: Final = "application/json"
HTML: Final = "text/html"
ALLOWED_METHODS: Final = ("GET", "POST")

ResultMediaType = Literal["application/graphql-response+json", "application/json"]
"""What a GraphQL result (or an HTTP-level refusal in GraphQL form) is answered in."""
MediaType = ResultMediaType | Literal["text/html"]
"""What an admitted request is answered in: a result, or the GraphiQL page."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request refused for its method, Accept or body type, answered as a GraphQL error body."""

    status: int
    error: BadRequest
    media_type: ResultMediaType = JSON
    headers: dict[str, str] = field(default_factory=dict)


def media_ranges(accept: str) -> dict[str, float]:
    """An Accept header's media ranges (lower case) and their quality (``q``; 0 when unreadable)."""
    ranges: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges[media.lower()] = quality
    return ranges


@lru_cache(maxsize=64)  # clients send the same few Accept headers
def negotiate(accept: str | None) -> ResultMediaType | None:
    """The result media type for an Accept header, or None when neither JSON type is acceptable."""
    if not accept:
        return JSON
    ranges = media_ranges(accept)
    graphql_q = ranges.get(GRAPHQL_RESPONSE_JSON, 0.0)
    json_q = max(ranges.get(JSON, 0.0), ranges.get("application/*", 0.0), ranges.get("*/*", 0.0))
    if graphql_q > 0 and graphql_q >= json_q:
        return GRAPHQL_RESPONSE_JSON
    return JSON if json_q > 0 else None


def wants_graphiql(method: str, accept: str, query_string: bytes) -> bool:
    """A browser asking for the page: GET without ``query``, with an Accept naming ``text/html``."""
    return (
        method == "GET"
        and HTML in accept.lower()  # cheap test first: API clients never ask for HTML
        and "query" not in QueryParams(query_string)
        and media_ranges(accept).get(HTML, 0.0) > 0
    )


def negotiate_request(
    method: str, accept: str | None, content_type: str | None, query_string: bytes, *, graphiql: bool
) -> MediaType | Refusal:
    """What a ``/graphql`` request is answered in, or its refusal (the rules of the module's docstring);
    ``graphiql``: whether browsers get the GraphiQL page."""
    if method not in ALLOWED_METHODS:
        refusal = BadRequest(f"GraphQL over HTTP takes GET or POST, not {method}")
        return Refusal(405, refusal, headers={"Allow": ", ".join(ALLOWED_METHODS)})
    if graphiql and wants_graphiql(method, accept or "", query_string):
        return HTML
    media_type = negotiate(accept)
    if media_type is None:
        return Refusal(406, BadRequest(f"cannot answer with any of {accept}"))
    if method == "POST":
        body_type = (content_type or "").split(";")[0].strip().lower()
        if body_type != JSON:
            refusal = BadRequest(f"POST a JSON body ({JSON}), not {body_type or 'no content type'}")
            return Refusal(415, refusal, media_type)
    return media_type

"""The one error mapper of the GraphQL surface: every error leaves with ``extensions.code``.

Applied by the HTTP view to every result it sends (schema/http.py), so errors raised before strawberry's
extension hooks run (a parse error under the parser cache) are mapped too.

- A typed :class:`foundation.errors.HubError` keeps its message and gains ``{"code": ..., **its extensions}``.
- Syntax, validation and variable errors (no original exception) are ``BAD_REQUEST``; the limits tag their
  own errors ``QUERY_TOO_COMPLEX`` (schema/limits.py) and keep that code.
- Anything else is unexpected: ``INTERNAL_SERVER_ERROR``, logged with its traceback; in prod its message
  is replaced so no internals (paths, SQL, hosts) reach the client. In prod a source failure says only
  which source failed, not why, and no message suggests names ("Did you mean …?").
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

from foundation.errors import HubError, QueryTooComplex, SourceUnavailable
from foundation.logging import get_logger

INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
BAD_REQUEST = "BAD_REQUEST"
MASKED_MESSAGE = "Internal server error."
TOKEN_LIMIT_MESSAGE = "tokens. Parsing aborted"  # noqa: S105 - a parser message, not a secret
"""How graphql-core's parser words the token limit (MaxTokensLimiter), a syntax error otherwise."""

_SUGGESTION = re.compile(r"\s*Did you mean\b.*\?\s*$", re.DOTALL)
log = get_logger(__name__)


def is_unexpected(error: GraphQLError) -> bool:
    """An exception the hub did not raise on purpose (a bug or an unhandled failure)."""
    original = error.original_error
    return original is not None and not isinstance(original, HubError | GraphQLError)


def _code_of(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, HubError):
        return original.code
    if is_unexpected(error):
        return INTERNAL_SERVER_ERROR
    if TOKEN_LIMIT_MESSAGE in error.message:
        return QueryTooComplex.code
    existing = (error.extensions or {}).get("code")
    return existing if isinstance(existing, str) else BAD_REQUEST


def _message_of(error: GraphQLError, code: str, *, production: bool) -> str:
    original = error.original_error
    if production and code == INTERNAL_SERVER_ERROR:
        return MASKED_MESSAGE
    if production and isinstance(original, SourceUnavailable):
        return f"source {original.source} is unavailable"
    if production:
        # graphql-core suggests names close to a wrong one: with introspection off, that would hand the
        # schema out piece by piece.
        return _SUGGESTION.sub("", error.message)
    return error.message


def map_error(error: GraphQLError, *, production: bool) -> GraphQLError:
    """``error`` as the client should see it."""
    code = _code_of(error)
    extensions: dict[str, Any] = {}
    original = error.original_error
    if isinstance(original, HubError):
        extensions.update(original.extensions)
        if production and isinstance(original, SourceUnavailable):
            extensions = {"source": original.source}
    elif code != INTERNAL_SERVER_ERROR:
        extensions.update(error.extensions or {})
    extensions["code"] = code
    return GraphQLError(
        _message_of(error, code, production=production),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original if not production else None,
        extensions=extensions,
    )


def log_unexpected(errors: list[GraphQLError]) -> None:
    for error in errors:
        if is_unexpected(error):
            original = error.original_error
            log.error("graphql.unexpected_error", path=error.path, exc_info=original)

"""Reading one source's record for one enterprise inside a resolver, through the request's loader.

The one place that turns the read path's outcome into what a field shows and what the audit records:
served (or stale) → the record; unknown enterprise → ``None``; source unavailable → the error propagates
(that field alone becomes null with ``SOURCE_UNAVAILABLE``).
"""

from __future__ import annotations

from typing import Any, TypeVar

from auth.source_access import access_rule
from connectors.records import Fetched, Record
from connectors.source import SourceName
from foundation.errors import SourceUnavailable, UnknownEnterprise, UpstreamPayloadError
from schema.context import Context

R = TypeVar("R", bound=Record)


async def read_source(
    context: Context, source: SourceName, credit_code: str, kind: type[R]
) -> tuple[Fetched[Any], R] | None:
    """The fetched record of ``source`` for ``credit_code``, or None when the source does not know it."""
    try:
        fetched = await context.loaders.sources[source].load(credit_code)
    except UnknownEnterprise:
        context.accesses.record(credit_code, source, "not_found")
        return None
    except SourceUnavailable:
        context.accesses.record(credit_code, source, "unavailable")
        raise
    if not isinstance(fetched.record, kind):
        raise UpstreamPayloadError(
            source, "record", f"expected {kind.__name__}, got {type(fetched.record).__name__}"
        )
    context.accesses.record(credit_code, source, "stale" if fetched.stale else "served")
    return fetched, fetched.record


async def may_read(context: Context, source: SourceName, credit_code: str) -> bool:
    """Whether the caller has the scope and the enterprise's consent for ``source`` (no error raised):
    for figures that use a source only when allowed (indicators, supply-chain cross-checks)."""
    rule = access_rule(source)
    if not context.principal.has_scope(rule.scope):
        return False
    return rule.consented(await context.loaders.consents.load(credit_code))

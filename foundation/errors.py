"""Typed errors of the hub. Each carries the ``code`` that clients see in ``extensions.code``.

Raised where the fact is known; turned into GraphQL errors (schema/errors.py) or HTTP answers in one place.

    HubError
    ├── BadCreditCode        BAD_CREDIT_CODE      fails the GB 32100 check
    ├── BadRequest           BAD_REQUEST          an argument out of range, a malformed request
    ├── Unauthenticated      UNAUTHENTICATED      missing, forged, expired or revoked token
    ├── Forbidden            FORBIDDEN            a scope the field needs is missing
    ├── NoConsent            NO_CONSENT           no live consent of the enterprise for the tenant
    ├── RateLimited          RATE_LIMITED         the client is over its rate limit
    ├── QueryTooComplex      QUERY_TOO_COMPLEX    depth, alias, token, firms or cost limit exceeded
    ├── PayloadTooLarge      PAYLOAD_TOO_LARGE    a request body over its route's limit (HTTP 413)
    ├── UnknownEnterprise    NOT_FOUND            a valid code the upstream does not know (→ null)
    ├── NotFound             NOT_FOUND            a product, version or assessment the tenant does not have
    ├── ProductInvalid       PRODUCT_INVALID      a product document refused at publish (names node and rule)
    ├── SnapshotExpired      SNAPSHOT_EXPIRED     an assessment's input snapshot is gone: no replay
    ├── ReplayMismatch       REPLAY_MISMATCH      a replay from the stored snapshots did not decide the same
    ├── AlreadyFinanced      ALREADY_FINANCED     every live financing takes all of the receivable
    ├── AmountExceedsAvailable  AMOUNT_EXCEEDS_AVAILABLE  more than what live financings leave of it
    ├── RegistrationReused   REGISTRATION_REUSED  a registration number already used on another receivable
    ├── NotFinanceable       NOT_FINANCEABLE      unconfirmed, settled, overdue, not held, over 12 months
    └── SourceUnavailable    SOURCE_UNAVAILABLE   an upstream failed and no snapshot can stand in
        ├── UpstreamPayloadError                  the upstream answered, but not what its protocol says
        └── UpstreamRejected                      the upstream refused our request (4xx: credentials, …)
"""

from __future__ import annotations

from typing import Any, ClassVar


class HubError(Exception):
    """Base of every error a client may see; ``extensions`` adds machine-readable details."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadCreditCode(HubError):
    code = "BAD_CREDIT_CODE"

    def __init__(self, credit_code: str, reason: str) -> None:
        super().__init__(f"invalid credit code {credit_code!r}: {reason}", creditCode=credit_code)
        self.reason = reason


class BadRequest(HubError):
    code = "BAD_REQUEST"


class Unauthenticated(HubError):
    code = "UNAUTHENTICATED"


class Forbidden(HubError):
    code = "FORBIDDEN"


class NoConsent(HubError):
    code = "NO_CONSENT"


class RateLimited(HubError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message, retryAfterSeconds=round(retry_after_s, 3))
        self.retry_after_s = retry_after_s


class QueryTooComplex(HubError):
    code = "QUERY_TOO_COMPLEX"


class PayloadTooLarge(HubError):
    code = "PAYLOAD_TOO_LARGE"


class UnknownEnterprise(HubError):
    """The source does not know this enterprise; the schema turns it into ``null``, not an error."""

    code = "NOT_FOUND"

    def __init__(self, source: str, credit_code: str) -> None:
        super().__init__(
            f"{source} does not know enterprise {credit_code}", source=source, creditCode=credit_code
        )


class SourceUnavailable(HubError):
    code = "SOURCE_UNAVAILABLE"

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"source {source} is unavailable: {reason}", source=source)
        self.source = source
        self.reason = reason


class UpstreamPayloadError(SourceUnavailable):
    """The upstream's answer broke its protocol; ``field`` names what was wrong."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        super().__init__(source, f"malformed payload at {field}: {reason}")
        self.field = field
        self.extensions["field"] = field


class UpstreamRejected(SourceUnavailable):
    """The upstream refused the request (a 4xx other than 404/429): our credentials or request are wrong.

    Never retried; ``status`` and the provider's ``error`` code say why (no secret is included).
    """

    def __init__(self, source: str, status: int, error: str) -> None:
        super().__init__(source, f"request rejected with HTTP {status} ({error})")
        self.status = status
        self.error = error
        self.extensions["upstreamStatus"] = status


class NotFound(HubError):
    """Something of the caller's tenant by id or key that does not exist (another tenant's counts as none)."""

    code = "NOT_FOUND"


class ProductInvalid(HubError):
    """A product document that cannot be published; ``node`` and ``rule`` say where, when known."""

    code = "PRODUCT_INVALID"

    def __init__(
        self, message: str, *, node: str | None = None, rule: str | None = None, **extensions: Any
    ) -> None:
        where = {key: value for key, value in (("node", node), ("rule", rule)) if value is not None}
        super().__init__(message, **where, **extensions)
        self.node = node
        self.rule = rule


class SnapshotExpired(HubError):
    """An assessment is replayed only from the snapshots it read; one of them is no longer stored."""

    code = "SNAPSHOT_EXPIRED"


class ReplayMismatch(HubError):
    """Replaying an assessment from its own snapshots gave another outcome than the one stored (an engine
    or fact change that broke reproducibility): reported, never papered over."""

    code = "REPLAY_MISMATCH"


class AlreadyFinanced(HubError):
    """Live financings take the receivable's (or its lineage's) whole amount; whose is never said."""

    code = "ALREADY_FINANCED"


class AmountExceedsAvailable(HubError):
    code = "AMOUNT_EXCEEDS_AVAILABLE"


class RegistrationReused(HubError):
    code = "REGISTRATION_REUSED"


class NotFinanceable(HubError):
    """The platform's standing of the receivable rules financing out; ``reason`` says which rule."""

    code = "NOT_FINANCEABLE"

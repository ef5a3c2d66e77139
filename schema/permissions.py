"""Field permissions (classes on fields, never ``if`` checks in resolvers).

Use them through :func:`requires`, which attaches them without adding schema directives to the SDL::

    @strawberry.field(extensions=[requires(HasScope("consent:write"))])
    async def grant_consent(self, info: Info, ...) -> Consent: ...

A failed check raises a typed :class:`foundation.errors.HubError` (``FORBIDDEN``, ``NO_CONSENT``) that the
error mapper turns into ``extensions.code``; the field becomes null, the rest of the answer stands.
"""

from __future__ import annotations

from typing import Any, Protocol

from strawberry.permission import BasePermission, PermissionExtension

from auth.source_access import access_rule
from connectors.source import SourceName
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import Forbidden, NoConsent
from schema.context import Info


class HasScope(BasePermission):
    """The caller's token carries ``scope``; else ``FORBIDDEN`` naming the scope."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal.has_scope(self.scope)

    def on_unauthorized(self) -> None:
        raise Forbidden(f"this field needs the scope {self.scope}", scope=self.scope)


class HasAnyScope(BasePermission):
    """The caller's token carries one of ``scopes``; else ``FORBIDDEN`` naming them."""

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return any(info.context.principal.has_scope(scope) for scope in self.scopes)

    def on_unauthorized(self) -> None:
        names = " or ".join(self.scopes)
        raise Forbidden(f"this field needs the scope {names}", scope=names)


class OfEnterprise(Protocol):
    """A parent object that belongs to one enterprise."""

    @property
    def credit_code(self) -> str: ...


class CanReadSource(BasePermission):
    """The caller has ``<source>:read`` (else ``FORBIDDEN``) and the enterprise has a live consent for that
    source to the caller's tenant (else ``NO_CONSENT``). Denials are audited too.

    The enterprise is the parent object's, or, with ``argument``, the one named by that field argument.
    """

    def __init__(self, source: SourceName, *, argument: str | None = None) -> None:
        self.source = source
        self.rule = access_rule(source)
        self.scope = self.rule.scope
        self.argument = argument

    async def has_permission(self, source: OfEnterprise | None, info: Info, **kwargs: Any) -> bool:
        context = info.context
        if self.argument is not None:
            credit_code = checked_credit_code(kwargs[self.argument])
        else:
            assert source is not None, "CanReadSource without argument= guards fields of an enterprise"
            credit_code = source.credit_code
        if not context.principal.has_scope(self.scope):
            context.accesses.record(credit_code, self.source, "forbidden")
            raise Forbidden(
                f"reading {self.source} needs the scope {self.scope}", scope=self.scope, source=self.source
            )
        if not self.rule.consented(await context.loaders.consents.load(credit_code)):
            context.accesses.record(credit_code, self.source, "no_consent")
            raise NoConsent(
                f"enterprise {credit_code} has no live consent for {self.source} to your tenant",
                source=self.source,
                creditCode=credit_code,
            )
        return True


def requires(*permissions: BasePermission) -> PermissionExtension:
    """The field extension enforcing ``permissions`` in order (the first failure answers)."""
    return PermissionExtension(list(permissions), use_directives=False)

"""Root fields of verification: the checks and your tenant's thresholds, and changing them."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from foundation.errors import BadRequest
from hub.verification.checks import SOURCES
from hub.verification.parameters import CHECKS
from schema.context import Info
from schema.permissions import HasScope, requires
from schema.verification.types import CheckParameter, VerificationCheckDefinition


def _definitions(
    parameters: dict[str, dict[str, float]], only: str | None = None
) -> list[VerificationCheckDefinition]:
    return [
        VerificationCheckDefinition(
            code=code,
            description=description,
            sources=list(SOURCES[code]),
            parameters=[
                CheckParameter(
                    name=name,
                    description=spec.description,
                    default=spec.default,
                    value=parameters[code][name],
                    minimum=spec.minimum,
                    maximum=spec.maximum,
                )
                for name, spec in specs.items()
            ],
        )
        for code, (description, specs) in CHECKS.items()
        if only is None or code == only
    ]


@strawberry.type
class VerificationQuery:
    @strawberry.field(
        description="Every verification check with its thresholds: defaults and your tenant's (scope "
        "verification:read).",
        extensions=[requires(HasScope("verification:read"))],
    )
    async def verification_checks(self, info: Info) -> list[VerificationCheckDefinition]:
        context = info.context
        return _definitions(await context.services.verification.parameters(context.principal.tenant_id))


@strawberry.type
class VerificationMutation:
    @strawberry.mutation(
        description="Set your tenant's thresholds of one check: the parameters given replace the earlier "
        "overrides ({} restores the defaults); each is checked against its range. Audited. Scope "
        "verification:write.",
        extensions=[requires(HasScope("verification:write"))],
    )
    async def set_verification_parameters(
        self, info: Info, code: str, parameters: JSON
    ) -> VerificationCheckDefinition:
        context = info.context
        service = context.services.verification
        if not isinstance(parameters, dict):
            raise BadRequest("parameters must be a JSON object", argument="parameters")
        await service.set_parameters(context.principal, context.principal.tenant_id, code, parameters)
        return _definitions(await service.parameters(context.principal.tenant_id), code)[0]

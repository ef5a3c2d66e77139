"""Root fields of monitoring."""

from __future__ import annotations

import strawberry

from hub.monitoring.cells import Dimension
from hub.monitoring.service import monitoring_service
from schema.context import Info
from schema.monitoring.types import CoreExposure, Monitoring, MonitoringDimension, MonitoringFilter
from schema.permissions import HasAnyScope, HasScope, requires


@strawberry.type
class MonitoringQuery:
    @strawberry.field(
        description="Supply-chain financing aggregates by region, industry or core enterprise (scope "
        "monitoring:read). A regulator sees all tenants; a bank the same anonymised totals and its own "
        "figures. Aggregates only: never a firm's data; cells of fewer than minimumFirms firms suppressed. "
        "period (YYYY-MM) is the electricity index's base month (default: the first of the window).",
        extensions=[requires(HasScope("monitoring:read"))],
    )
    async def monitoring(
        self,
        info: Info,
        group_by: list[MonitoringDimension],
        filter: MonitoringFilter | None = None,
        period: str | None = None,
    ) -> Monitoring:
        context = info.context
        context.answer_cacheable = False  # financings move without the source caches knowing
        service = monitoring_service(context.services.sessions, context.services.settings)
        answer = await service.monitoring(
            context.principal,
            [Dimension(dimension.value) for dimension in group_by],
            (filter or MonitoringFilter()).to_filter(),
            period,
        )
        return Monitoring.of(answer)

    @strawberry.field(
        description="A core enterprise's confirmed receivables, what all tenants finance against them and "
        "how many tenants lend (never which). Scope monitoring:read or financing:write.",
        extensions=[requires(HasAnyScope("monitoring:read", "financing:write"))],
    )
    async def core_exposure(self, info: Info, credit_code: strawberry.ID) -> CoreExposure:
        context = info.context
        context.answer_cacheable = False
        service = monitoring_service(context.services.sessions, context.services.settings)
        return CoreExposure.of(await service.core_exposure(context.principal, credit_code))

"""GraphQL types of monitoring: cells of aggregates, the electricity index, a core enterprise's exposure."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from hub.monitoring import service
from hub.monitoring.cells import CellFilter, Dimension


@strawberry.enum(description="What monitoring cells are grouped by.")
class MonitoringDimension(Enum):
    PROVINCE = Dimension.PROVINCE.value
    CITY = Dimension.CITY.value
    COUNTY = Dimension.COUNTY.value
    INDUSTRY = Dimension.INDUSTRY.value
    CORE_ENTERPRISE = Dimension.CORE_ENTERPRISE.value


@strawberry.enum(description="A risk flag of a monitoring cell or a core enterprise's exposure.")
class MonitoringFlag(Enum):
    CORE_OVERFINANCED = "CORE_OVERFINANCED"


@strawberry.input(description="Only the firms of these region names, industry or core enterprise.")
class MonitoringFilter:
    province: str | None = strawberry.field(default=None, description="Province name, e.g. 浙江省.")
    city: str | None = strawberry.field(default=None, description="City name, e.g. 杭州市.")
    county: str | None = strawberry.field(default=None, description="County name.")
    industry: str | None = strawberry.field(default=None, description="Industry as registered.")
    core_enterprise: strawberry.ID | None = strawberry.field(
        default=None, description="A core enterprise's credit code: its suppliers' figures against it."
    )

    def to_filter(self) -> CellFilter:
        return CellFilter(self.province, self.city, self.county, self.industry, self.core_enterprise)


@strawberry.type(description="A cell's position: the grouped dimensions set, the others null.")
class MonitoringKey:
    province: str | None
    city: str | None
    county: str | None
    industry: str | None
    core_enterprise: strawberry.ID | None = strawberry.field(
        description="A core enterprise's credit code (public); null: debtors that are not core enterprises."
    )


@strawberry.type(description="Financed amount of one product kind (a template key, or other).")
class ProductAmount:
    product: str
    amount_yuan: Decimal


@strawberry.type(
    description="Your tenant's own figures in a cell (banks only), shown even when it is suppressed."
)
class OwnFigures:
    firms_with_consent: int = strawberry.field(description="Firms with a live consent to your tenant.")
    financed_firms: int
    financed_yuan: Decimal = strawberry.field(description="Your live financings, yuan.")
    financed_by_product: list[ProductAmount]
    overdue_yuan: Decimal = strawberry.field(description="Your loans reported OVERDUE, yuan.")


@strawberry.type(
    description="Aggregates of one cell. Suppressed (every measure null) under the minimum number of firms, "
    "for a bank when exactly one other tenant's figures are in it, or as the complement of a suppressed "
    "sibling (so a parent total minus the visible cells never reveals one)."
)
class MonitoringCell:
    key: MonitoringKey
    suppressed: bool
    firms: int | None = strawberry.field(description="Firms whose registry record the hub holds.")
    firms_with_consent: int | None = strawberry.field(description="Firms with a live consent to any tenant.")
    financed_firms: int | None = strawberry.field(description="Firms with a live registered financing.")
    financed_yuan: Decimal | None = strawberry.field(
        description="Live registered financings, all tenants, yuan."
    )
    financed_by_product: list[ProductAmount] | None
    overdue_yuan: Decimal | None = strawberry.field(description="Loans reported OVERDUE, all tenants, yuan.")
    confirmed_receivables_yuan: Decimal | None = strawberry.field(
        description="Confirmed, unsettled receivables held by the cell's firms (against its core), yuan."
    )
    financed_to_confirmed: float | None = strawberry.field(
        description="financedYuan ÷ confirmedReceivablesYuan; null without confirmed receivables."
    )
    flags: list[MonitoringFlag] = strawberry.field(
        description="CORE_OVERFINANCED: a core enterprise's cell over the threshold."
    )
    own: OwnFigures | None = strawberry.field(
        description="Your tenant's figures (a bank's); null for a regulator."
    )

    @classmethod
    def of(cls, cell: service.MonitoringCell) -> MonitoringCell:
        return cls(
            key=MonitoringKey(
                province=cell.key.province,
                city=cell.key.city,
                county=cell.key.county,
                industry=cell.key.industry,
                core_enterprise=strawberry.ID(cell.key.core_enterprise) if cell.key.core_enterprise else None,
            ),
            suppressed=cell.suppressed,
            firms=cell.firms,
            firms_with_consent=cell.firms_with_consent,
            financed_firms=cell.financed_firms,
            financed_yuan=cell.financed_yuan,
            financed_by_product=None
            if cell.financed_by_product is None
            else [
                ProductAmount(product=p.product, amount_yuan=p.amount_yuan) for p in cell.financed_by_product
            ],
            overdue_yuan=cell.overdue_yuan,
            confirmed_receivables_yuan=cell.confirmed_receivables_yuan,
            financed_to_confirmed=cell.financed_to_confirmed,
            flags=[MonitoringFlag(flag) for flag in cell.flags],
            own=None
            if cell.own is None
            else OwnFigures(
                firms_with_consent=cell.own.firms_with_consent,
                financed_firms=cell.own.financed_firms,
                financed_yuan=cell.own.financed_yuan,
                financed_by_product=[
                    ProductAmount(product=p.product, amount_yuan=p.amount_yuan)
                    for p in cell.own.financed_by_product
                ],
                overdue_yuan=cell.own.overdue_yuan,
            ),
        )


@strawberry.type(description="Monthly kWh of an industry's firms, the base month = 100.")
class ElectricityIndexPoint:
    industry: str
    period: str = strawberry.field(description="YYYY-MM.")
    index: float | None = strawberry.field(description="Null when the base month had no consumption.")


@strawberry.type(description="The monitoring view: cells, the electricity index by industry, the thresholds.")
class Monitoring:
    cells: list[MonitoringCell]
    electricity_index: list[ElectricityIndexPoint] = strawberry.field(
        description="Industries of at least minimumFirms firms with readings."
    )
    threshold: float = strawberry.field(
        description="financedToConfirmed over which CORE_OVERFINANCED is set."
    )
    minimum_firms: int = strawberry.field(description="Cells of fewer firms are suppressed.")

    @classmethod
    def of(cls, answer: service.MonitoringAnswer) -> Monitoring:
        return cls(
            cells=[MonitoringCell.of(cell) for cell in answer.cells],
            electricity_index=[
                ElectricityIndexPoint(industry=p.industry, period=p.period, index=p.index)
                for p in answer.electricity_index
            ],
            threshold=answer.threshold,
            minimum_firms=answer.minimum_firms,
        )


@strawberry.type(
    description="What is financed against a core enterprise's confirmed receivables, all tenants."
)
class CoreExposure:
    credit_code: strawberry.ID
    confirmed_yuan: Decimal = strawberry.field(description="Confirmed, unsettled receivables it owes, yuan.")
    financed_yuan: Decimal | None = strawberry.field(
        description="Live financings against them, all tenants, yuan; withheld from a bank when exactly one "
        "other tenant lends (it would be that tenant's figure)."
    )
    own_financed_yuan: Decimal | None = strawberry.field(
        description="Your tenant's (a bank's); null for a regulator."
    )
    lenders: int = strawberry.field(
        description="Distinct tenants with live financings against it (never named)."
    )
    financed_to_confirmed: float | None
    flags: list[MonitoringFlag]

    @classmethod
    def of(cls, exposure: service.CoreExposure) -> CoreExposure:
        return cls(
            credit_code=strawberry.ID(exposure.credit_code),
            confirmed_yuan=exposure.confirmed_yuan,
            financed_yuan=exposure.financed_yuan,
            own_financed_yuan=exposure.own_financed_yuan,
            lenders=exposure.lenders,
            financed_to_confirmed=exposure.financed_to_confirmed,
            flags=[MonitoringFlag(flag) for flag in exposure.flags],
        )

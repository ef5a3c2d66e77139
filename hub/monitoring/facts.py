"""What one monitoring answer aggregates, read from the summaries and the financing registry in a few
grouped queries. Tenants are numbered here and never leave as names: the aggregation only counts them
and tells the viewer's own apart."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.consent import consent_today
from foundation.credit_code import region_of
from foundation.storage.models import Consent, Financing, FirmSummary, LoanReport, TradeReceivableFact
from hub.products.templates import templates

OTHER_PRODUCT = "other"
"""Product kind of a financing whose product is not one of the shipped templates: a tenant's own product
key could name the tenant."""


@dataclass(frozen=True, slots=True)
class Firm:
    credit_code: str
    province: str | None
    city: str | None
    county: str | None
    industry: str | None
    is_core: bool
    kwh_by_month: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class Amount:
    """Live financings or overdue loans of one firm (against one debtor) by one tenant (a number)."""

    credit_code: str
    debtor_code: str | None
    product_kind: str
    tenant: int
    own: bool
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Confirmed:
    creditor_code: str
    debtor_code: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Consented:
    credit_code: str
    own: bool


@dataclass(frozen=True)
class Facts:
    firms: dict[str, Firm]
    financings: list[Amount]
    overdue: list[Amount]
    confirmed: list[Confirmed]
    consents: list[Consented]


@cache
def _product_kinds() -> frozenset[str]:
    return frozenset(templates())


def product_kind(product: str) -> str:
    return product if product in _product_kinds() else OTHER_PRODUCT


def firm_of(credit_code: str, industry: str | None, is_core: bool, kwh: dict[str, Decimal]) -> Firm | None:
    try:
        region = region_of(credit_code)
    except ValueError:
        return None
    return Firm(credit_code, region.province, region.city, region.county, industry, is_core, kwh)


async def load_firms(session: AsyncSession) -> dict[str, Firm]:
    query = select(
        FirmSummary.credit_code, FirmSummary.industry, FirmSummary.is_core, FirmSummary.kwh_by_month
    )
    firms = {}
    for code, industry, is_core, kwh in await session.execute(query):
        firm = firm_of(code, industry, is_core, {month: Decimal(value) for month, value in kwh.items()})
        if firm is not None:
            firms[code] = firm
    return firms


async def load_confirmed(session: AsyncSession) -> list[Confirmed]:
    """Confirmed, unsettled receivables summed by (creditor, debtor)."""
    query = (
        select(
            TradeReceivableFact.creditor_code,
            TradeReceivableFact.debtor_code,
            func.sum(TradeReceivableFact.amount_fen),
        )
        .where(TradeReceivableFact.confirmed.is_(True), TradeReceivableFact.settled.is_(False))
        .group_by(TradeReceivableFact.creditor_code, TradeReceivableFact.debtor_code)
    )
    return [
        Confirmed(creditor, debtor, int(total)) for creditor, debtor, total in await session.execute(query)
    ]


class _Tenants:
    """Tenant id → a number for this answer only; ``viewer``'s rows marked own."""

    def __init__(self, viewer: str | None) -> None:
        self.viewer = viewer
        self.numbers: dict[str, int] = {}

    def number(self, tenant_id: str) -> int:
        return self.numbers.setdefault(tenant_id, len(self.numbers))


async def load_changing(
    session: AsyncSession, viewer: str | None
) -> tuple[list[Amount], list[Amount], list[Consented]]:
    """Live financings, overdue loans and live consents (the figures that move between refreshes)."""
    tenants = _Tenants(viewer)
    financing_query = (
        select(
            Financing.credit_code,
            Financing.debtor_code,
            Financing.product,
            Financing.tenant_id,
            func.sum(Financing.amount_fen),
        )
        .where(Financing.status == "LIVE")
        .group_by(Financing.credit_code, Financing.debtor_code, Financing.product, Financing.tenant_id)
    )
    financings = [
        Amount(code, debtor, product_kind(product), tenants.number(tenant), tenant == viewer, int(total))
        for code, debtor, product, tenant, total in await session.execute(financing_query)
    ]
    overdue_query = (
        select(
            LoanReport.credit_code, LoanReport.product, LoanReport.tenant_id, func.sum(LoanReport.amount_fen)
        )
        .where(LoanReport.status == "OVERDUE")
        .group_by(LoanReport.credit_code, LoanReport.product, LoanReport.tenant_id)
    )
    overdue = [
        Amount(code, None, product_kind(product), tenants.number(tenant), tenant == viewer, int(total))
        for code, product, tenant, total in await session.execute(overdue_query)
    ]
    today = consent_today()
    own = func.max(case((Consent.tenant_id == (viewer or ""), 1), else_=0))
    consent_query = (
        select(Consent.credit_code, own)
        .where(Consent.withdrawn_at.is_(None), Consent.valid_from <= today, Consent.valid_until >= today)
        .group_by(Consent.credit_code)
    )
    consents = [Consented(code, bool(mine)) for code, mine in await session.execute(consent_query)]
    return financings, overdue, consents


async def load_facts(
    sessions: async_sessionmaker[AsyncSession],
    viewer: str | None,
    stable: tuple[dict[str, Firm], list[Confirmed]] | None,
) -> tuple[Facts, tuple[dict[str, Firm], list[Confirmed]]]:
    """Every fact of an answer; ``stable`` (firms and receivables, which move only with the snapshots) is
    reused when given, and returned for the next answer."""
    async with sessions() as session:
        if stable is None:
            stable = (await load_firms(session), await load_confirmed(session))
        financings, overdue, consents = await load_changing(session, viewer)
    firms, confirmed = stable
    return Facts(firms, financings, overdue, confirmed, consents), stable

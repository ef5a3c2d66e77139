"""The financing registry on both backends, against a platform of fixed standings: every refusal code, the
lineage of a split receivable, a second bank refused without learning who financed, the race of two
tenants (exactly one registered), release, and the audit of each event."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from audit.log import AuditLog
from auth.clients import ensure_tenant
from auth.principal import Principal
from connectors.trade_receivables import ReceivableChild, ReceivableNotFound, ReceivableStanding
from foundation.errors import (
    AlreadyFinanced,
    AmountExceedsAvailable,
    BadRequest,
    HubError,
    NoConsent,
    NotFinanceable,
    NotFound,
    RegistrationReused,
)
from foundation.storage.models import AuditRecord, Financing
from hub.financing.registry import FinancingRegistry, FinancingRequest

HOLDER, CHILD_HOLDER, CORE = "91330100MA27XL0K3Y", "91330102MA2B0C1D2E", "91330103MA3C4D5E6F"
ISSUED = date(2026, 9, 1)
BANKS = ("bank-a", "bank-b")


def standing(
    number: str,
    amount: str = "100000.00",
    *,
    holder: str = HOLDER,
    status: str = "confirmed",
    due: date = ISSUED + timedelta(days=120),
    parent: str | None = None,
    children: Sequence[tuple[str, str, str]] = (),
) -> ReceivableStanding:
    kept = Decimal(amount) - sum((Decimal(child[2]) for child in children), Decimal(0))
    return ReceivableStanding(
        receivable_no=number,
        parent_no=parent,
        creditor_code=holder,
        debtor_code=CORE,
        holder_code=holder,
        amount_yuan=Decimal(amount),
        retained_yuan=kept,
        due_on=due,
        issued_on=ISSUED,
        status=status,
        children=tuple(
            ReceivableChild(receivable_no=n, holder=h, amount_yuan=Decimal(a)) for n, h, a in children
        ),
        events=(),
    )


PLATFORM = {
    "AR1": standing("AR1"),
    # AR2 (100,000) split: AR2-1 (30,000) to the child holder; its creditor keeps 70,000.
    "AR2": standing("AR2", children=[("AR2-1", CHILD_HOLDER, "30000.00")]),
    "AR2-1": standing("AR2-1", "30000.00", holder=CHILD_HOLDER, parent="AR2"),
    "AR3": standing("AR3"),
    "AR-UPLOADED": standing("AR-UPLOADED", status="uploaded"),
    "AR-REJECTED": standing("AR-REJECTED", status="rejected"),
    "AR-SETTLED": standing("AR-SETTLED", status="settled"),
    "AR-OVERDUE": standing("AR-OVERDUE", status="overdue"),
    "AR-LONG": standing("AR-LONG", due=ISSUED + timedelta(days=400)),
    "AR-EIGHT-MONTHS": standing("AR-EIGHT-MONTHS", due=ISSUED + timedelta(days=240)),
}


async def ask(number: str) -> ReceivableStanding:
    await asyncio.sleep(0)
    if number not in PLATFORM:
        raise ReceivableNotFound(number)
    return PLATFORM[number]


class Consents:
    async def live_consents(self, tenant_id: str, credit_codes: Sequence[str]) -> dict[str, frozenset[str]]:
        return {
            code: frozenset() if tenant_id == "no-consent" else frozenset({"trade"}) for code in credit_codes
        }


@pytest.fixture
async def registry(engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> FinancingRegistry:
    async with sessions.begin() as session:
        for tenant in (*BANKS, "no-consent"):
            await ensure_tenant(session, tenant)
    return FinancingRegistry(engine, AuditLog(sessions), ask, clock=lambda: datetime(2026, 11, 2, tzinfo=UTC))


def bank(tenant: str = "bank-a") -> Principal:
    return Principal(tenant, f"client-{tenant}", frozenset({"financing:write"}))


def request(
    number: str, amount: str, registration: str | None = "REG-1", holder: str = HOLDER
) -> FinancingRequest:
    return FinancingRequest(holder, number, Decimal(amount), registration, "receivable-loan")


async def refused(registry: FinancingRegistry, tenant: str, ask_for: FinancingRequest) -> HubError:
    with pytest.raises(HubError) as caught:
        await registry.register(bank(tenant), Consents(), ask_for)
    return caught.value


async def test_a_second_bank_is_refused_without_learning_who_financed(registry: FinancingRegistry) -> None:
    first = await registry.register(bank("bank-a"), Consents(), request("AR1", "60000", "REG-A"))
    assert (first.status, first.available_yuan, first.warnings) == ("LIVE", Decimal("40000.00"), ())
    over = await refused(registry, "bank-b", request("AR1", "50000", "REG-B"))
    assert isinstance(over, AmountExceedsAvailable)
    assert over.extensions["availableYuan"] == "40000.00"
    await registry.register(bank("bank-b"), Consents(), request("AR1", "40000", "REG-B"))
    full = await refused(registry, "bank-b", request("AR1", "1", "REG-B"))
    assert isinstance(full, AlreadyFinanced)
    for error in (over, full):
        text = f"{error.message} {error.extensions}"
        assert "bank-a" not in text and "client-bank-a" not in text and "60000" not in text


async def test_a_split_receivable_carries_its_lineage(registry: FinancingRegistry) -> None:
    # The creditor keeps 70,000 of AR2; the child's holder may finance its 30,000; the lineage 100,000.
    assert isinstance(
        await refused(registry, "bank-a", request("AR2", "70000.01", None)), AmountExceedsAvailable
    )
    kept = await registry.register(bank("bank-a"), Consents(), request("AR2", "70000", None))
    assert kept.warnings == ("REGISTRATION_MISSING",)
    child = await registry.register(
        bank("bank-b"), Consents(), request("AR2-1", "30000", "REG-C", holder=CHILD_HOLDER)
    )
    assert child.available_yuan == Decimal("0.00")
    assert isinstance(await refused(registry, "bank-b", request("AR2", "1", None)), AlreadyFinanced)
    not_holder = await refused(
        registry, "bank-b", request("AR2-1", "1", None)
    )  # HOLDER applying for the child
    assert isinstance(not_holder, NotFinanceable) and not_holder.extensions["reason"] == "NOT_HOLDER"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("AR-UPLOADED", "NOT_CONFIRMED"),
        ("AR-REJECTED", "NOT_CONFIRMED"),
        ("AR-SETTLED", "SETTLED"),
        ("AR-OVERDUE", "OVERDUE"),
        ("AR-LONG", "RCV_TENOR_GT_12M"),
    ],
)
async def test_what_the_platform_rules_out_is_not_financeable(
    registry: FinancingRegistry, number: str, reason: str
) -> None:
    error = await refused(registry, "bank-a", request(number, "10"))
    assert isinstance(error, NotFinanceable) and error.extensions["reason"] == reason


async def test_flags_unknown_receivables_consent_and_reused_registrations(
    registry: FinancingRegistry,
) -> None:
    flagged = await registry.register(bank(), Consents(), request("AR-EIGHT-MONTHS", "10", "REG-8"))
    assert flagged.warnings == ("RCV_TENOR_GT_6M",)
    assert isinstance(await refused(registry, "bank-a", request("AR-NONE", "10")), ReceivableNotFound)
    assert isinstance(await refused(registry, "no-consent", request("AR1", "10")), NoConsent)
    reused = await refused(registry, "bank-b", request("AR3", "10", "REG-8"))  # REG-8 is on AR-EIGHT-MONTHS
    assert isinstance(reused, RegistrationReused)
    assert "bank-a" not in f"{reused.message} {reused.extensions}"


async def test_two_tenants_racing_for_one_receivable_one_wins(
    registry: FinancingRegistry, engine: AsyncEngine
) -> None:
    for attempt in range(3):
        number = ("AR1", "AR3", "AR2")[attempt]
        amount = "70000" if number == "AR2" else "100000"
        outcomes = await asyncio.gather(
            *(
                registry.register(bank(tenant), Consents(), request(number, amount, f"REG-{number}-{tenant}"))
                for tenant in BANKS
            ),
            return_exceptions=True,
        )
        won = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
        lost = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert isinstance(lost[0], AlreadyFinanced)
        async with engine.connect() as connection:
            live = await connection.execute(
                select(func.sum(Financing.amount_fen)).where(
                    Financing.root_no == number, Financing.status == "LIVE"
                )
            )
            assert live.scalar_one() == int(Decimal(amount) * 100)


async def test_release_frees_the_amount_and_only_the_owner_releases(registry: FinancingRegistry) -> None:
    financed = await registry.register(bank("bank-a"), Consents(), request("AR1", "100000"))
    with pytest.raises(NotFound):
        await registry.release(bank("bank-b"), financed.id)  # another tenant's: not even found
    released = await registry.release(bank("bank-a"), financed.id)
    assert released.status == "RELEASED"
    with pytest.raises(BadRequest):
        await registry.release(bank("bank-a"), financed.id)
    again = await registry.register(bank("bank-b"), Consents(), request("AR1", "100000", "REG-1"))
    assert again.status == "LIVE"  # the same registration number on the same receivable is fine


async def test_every_event_is_audited(
    registry: FinancingRegistry, sessions: async_sessionmaker[AsyncSession]
) -> None:
    financed = await registry.register(bank(), Consents(), request("AR1", "100000"))
    await refused(registry, "bank-b", request("AR1", "1", "REG-2"))
    await registry.release(bank(), financed.id)
    async with sessions() as session:
        rows = (
            await session.execute(select(AuditRecord.event, AuditRecord.tenant_id, AuditRecord.outcome))
        ).all()
    events = [(event, tenant) for event, tenant, _ in rows if event.startswith("financing")]
    assert events == [
        ("financing_registered", "bank-a"),
        ("financing_refused", "bank-b"),
        ("financing_released", "bank-a"),
    ]
    assert any("ALREADY_FINANCED" in outcome for _, _, outcome in rows)

"""hub/supply_chain.py (kept with the profile tests: it is the same kind of pure function over records)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.records import LogisticsRecord
from hub.supply_chain import links_of, next_tier
from tests.profiles.records import CORE, at, order, trade, waybill

SUPPLIER = "91330200MA2AAAAA1X"
DISTRIBUTOR = "91330300MA2BBBBB2X"
SUPPLIER_OF_SUPPLIER = "91330400MA2CCCCC3X"


def test_direct_links_with_volumes_since_and_shipments() -> None:
    core_trade = trade(
        (
            order("PO1", SUPPLIER, CORE, date(2026, 3, 1), "100"),
            order("PO2", SUPPLIER, CORE, date(2025, 3, 1), "50"),
            order("PO3", CORE, DISTRIBUTOR, date(2026, 4, 1), "70"),
        )
    )
    logistics = LogisticsRecord(credit_code=CORE, waybills=(waybill("W1", SUPPLIER, CORE, at(2026, 3, 3)),))

    links = links_of(CORE, core_trade, logistics, roles=("supplier", "distributor"), tier=1)

    assert [(k.credit_code, k.role, k.orders, k.amount_yuan, k.since, k.shipments) for k in links] == [
        (SUPPLIER, "supplier", 2, Decimal(150), date(2025, 3, 1), 1),
        (DISTRIBUTOR, "distributor", 1, Decimal(70), date(2026, 4, 1), 0),
    ]
    assert links_of(CORE, core_trade, None, roles=("supplier",), tier=1)[0].shipments is None


def test_next_tier_follows_the_same_role_and_skips_firms_already_seen() -> None:
    tier_one = links_of(
        CORE,
        trade((order("PO1", SUPPLIER, CORE, date(2026, 3, 1), "100"),)),
        None,
        roles=("supplier",),
        tier=1,
    )
    supplier_trade = trade(
        (
            order("PO9", SUPPLIER_OF_SUPPLIER, SUPPLIER, date(2026, 2, 1), "30"),
            order("PO8", SUPPLIER, CORE, date(2026, 3, 1), "100"),  # the core, already in the chain
        )
    )
    seen = {CORE, SUPPLIER}

    tier_two = next_tier(
        tier_one, {SUPPLIER: supplier_trade.model_copy(update={"credit_code": SUPPLIER})}, {}, seen
    )

    assert [(k.credit_code, k.tier, k.via, k.role) for k in tier_two] == [
        (SUPPLIER_OF_SUPPLIER, 2, SUPPLIER, "supplier")
    ]
    assert next_tier(tier_one, {}, {}, set()) == []

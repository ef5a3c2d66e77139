"""Named fixture firms: firms of the universe whose data say what their names say, for acceptance tests.

Each fixture takes over the firm at a fixed place counted from the end of the universe (index ``size -
position``, never a core enterprise), keeps its credit code's organisation digits and its region, and has
its traits applied on top of the generated data by every provider: the universe sets its legal form
(and so its code's kind digit), industry, health, scale and trend and, for a fixture that owns its trade,
its trade relations; the registry, electricity and tax data read the fixture's traits. The same seed gives
the same fixture firms, and every trait holds for any seed (a universe too small for a fixture has none
at its place). ``tests/sandbox/test_fixtures.py`` checks each trait over HTTP; sandbox/PROTOCOL.md lists
them.

Look a fixture up with :func:`fixture_code` (``fixture_code(build_universe(), "tax-eligible")``), list them
with :func:`fixture_codes`; over HTTP every provider answers ``GET /_sandbox/fixtures``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sandbox.universe import Universe

Health = Literal["good", "fair", "bad"]
Buyer = Literal["core", "food_core", "firm"]
Plant = Literal[
    "ring",
    "ghost_orders",
    "inflated_sales",
    "sales_spike",
    "energy_divergence",
    "duplicate_receivables",
    "related_counterparty",
    "seasonal",
    "off_platform",
    "divergence_not_applicable",
]
"""A planted case (or honest look-alike) a fixture anchors; :mod:`sandbox.anomalies` plants it."""


@dataclass(frozen=True, slots=True)
class ElectricityTraits:
    """The fixture's one electricity account.

    Parameters:
        monthly_bill_yuan: the bill its usage is scaled to (before seasons and trend).
        voltage_level: its supply voltage (sets the price).
        holder: ``registered``: held in the registered name; ``person``: by another person.
        arrears_months: the last bills fallen due that were left partly unpaid.
        opened_on: when it opened (None: years before the history); its bills start with the first month
            that begins on or after that day.
    """

    monthly_bill_yuan: int
    voltage_level: str = "0.4kV"
    holder: Literal["registered", "person"] = "registered"
    payment_method: Literal["auto_debit", "cash"] = "auto_debit"
    supply_status: Literal["normal", "suspended"] = "normal"
    arrears_months: int = 0
    opened_on: date | None = None


@dataclass(frozen=True, slots=True)
class TaxTraits:
    """The fixture's tax record.

    Parameters:
        grade: its credit grade.
        yearly_tax_yuan: the tax its payments over the last 12 months of history add up to (before any
            left unpaid); None: what its scale and rates give.
        overdue_filings: returns overdue.
        unpaid_from: no payment on or after this day.
        violation_on: the day of its one violation (None: none).
    """

    grade: Literal["A", "B", "M", "C", "D"]
    yearly_tax_yuan: int | None = None
    overdue_filings: int = 0
    unpaid_from: date | None = None
    violation_on: date | None = None


@dataclass(frozen=True, slots=True)
class PlannedReceivable:
    """A receivable of a fixture's relation, with the order it arises from (placed on ``issued_on``)."""

    issued_on: date
    due_on: date
    amount_yuan: int
    confirmed: bool = True
    settled: bool = False
    split_percents: tuple[int, ...] = ()
    """Children split off it after confirmation (:mod:`sandbox.lifecycle`), in percent of its amount, the
    ``i``-th transferred to the ``i``-th firm the fixture buys from."""


@dataclass(frozen=True, slots=True)
class FixtureRelation:
    """A trade relation a fixture sells on.

    Parameters:
        buyer: ``core``: the ``ordinal``-th core enterprise; ``food_core``: the ``ordinal``-th
            food-processing core enterprise (a core if there is none); ``firm``: an ordinary firm, the
            ``ordinal``-th of those drawn for the fixture.
        monthly_orders, order_yuan, on_credit: as a generated relation's (orders on credit leave drawn
            receivables).
        months: the months with orders (None: every month of the history since the fixture was founded).
        receivables: receivables it has instead of drawn ones, each with its own order.
        buys: the fixture buys from the firm instead (the firm is the seller; no planned receivables).
    """

    buyer: Buyer
    ordinal: int = 0
    monthly_orders: float = 1.0
    order_yuan: float = 50_000.0
    on_credit: bool = False
    months: tuple[date, ...] | None = None
    receivables: tuple[PlannedReceivable, ...] = ()
    buys: bool = False


@dataclass(frozen=True, slots=True)
class Fixture:
    """A named fixture firm and its traits (see the module docstring).

    Parameters:
        relations: its trade relations; None: it keeps the generated ones. A fixture with relations owns
            its trade: generated relations with it are served by no provider.
        plant: the case of :mod:`sandbox.anomalies` planted on it (with fixed parameters), if any.
        late: added after the planted cases: its relations are numbered after the planted ones and the
            planner ranks its firm among the others (as taken), so that adding it leaves the trade of
            every firm it does not trade with as it was.
    """

    name: str
    position: int
    summary: str
    industry: str
    legal_form: str = "limited_liability_company"
    kind: str | None = None  # its code's kind digit when it is not the legal form's (a mismatch on purpose)
    health: Health = "good"
    founded_on: date | None = None
    monthly_revenue_yuan: float | None = None
    yearly_growth: float = 0.06
    electricity: ElectricityTraits | None = None
    tax: TaxTraits | None = None
    relations: tuple[FixtureRelation, ...] | None = None
    plant: Plant | None = None
    late: bool = False


_TAX_FINE = TaxTraits(grade="B")
# An electricity fixture's revenue is its bill ÷ the price (0.4kV 0.852, 10kV 0.7235 yuan a kWh) ÷ its
# industry's kWh per yuan of revenue, so that its other sources are of the same scale.
_PLASTICS_25K = 266_750.0  # 25,000 yuan of electricity a month for a plastics maker
_ELIGIBLE = ElectricityTraits(monthly_bill_yuan=25_000)


def _months(*texts: str) -> tuple[date, ...]:
    return tuple(date.fromisoformat(f"{text}-01") for text in texts)


def _electricity(
    name: str,
    position: int,
    summary: str,
    traits: ElectricityTraits,
    *,
    industry: str = "plastics",
    monthly_revenue_yuan: float = _PLASTICS_25K,
) -> Fixture:
    return Fixture(
        name,
        position,
        summary,
        industry,
        monthly_revenue_yuan=monthly_revenue_yuan,
        electricity=traits,
        tax=_TAX_FINE,
    )


def _tax(
    name: str,
    position: int,
    summary: str,
    traits: TaxTraits,
    *,
    health: Health = "good",
    founded_on: date | None = None,
    monthly_revenue_yuan: float = 500_000.0,
) -> Fixture:
    return Fixture(
        name,
        position,
        summary,
        "textiles",
        health=health,
        founded_on=founded_on,
        monthly_revenue_yuan=monthly_revenue_yuan,
        tax=traits,
    )


_SUPPLIER_RECEIVABLES = (
    # confirmed, unsettled, due in 30..180 days, tenor up to 6 months: the financeable ones
    PlannedReceivable(date(2026, 9, 10), date(2027, 1, 8), 320_000),
    PlannedReceivable(date(2026, 8, 20), date(2026, 12, 18), 280_000),
    PlannedReceivable(date(2026, 10, 5), date(2027, 3, 4), 350_000),
    PlannedReceivable(date(2026, 9, 15), date(2026, 11, 10), 200_000),  # due in 9 days
    PlannedReceivable(date(2026, 5, 12), date(2026, 8, 10), 180_000, settled=True),
    PlannedReceivable(date(2026, 9, 25), date(2026, 12, 24), 260_000, confirmed=False),
    PlannedReceivable(date(2025, 9, 1), date(2026, 12, 1), 300_000),  # a tenor of 15 months
    PlannedReceivable(date(2026, 3, 2), date(2026, 12, 28), 240_000),  # a tenor of 10 months
)
_VOUCHER_RECEIVABLES = (
    # confirmed, unsettled, due 75 and 101 days after today, tenors of 136 and 143 days; the first split
    PlannedReceivable(date(2026, 9, 1), date(2027, 1, 15), 400_000, split_percents=(30, 20)),
    PlannedReceivable(date(2026, 9, 20), date(2027, 2, 10), 250_000),
)
_SECOND_DEBTOR_RECEIVABLES = (
    PlannedReceivable(date(2026, 9, 18), date(2026, 12, 17), 90_000),
    PlannedReceivable(date(2026, 9, 22), date(2027, 1, 20), 60_000),
)

FIXTURES: tuple[Fixture, ...] = (
    _electricity(
        "electricity-eligible",
        1,
        "one account in its registered name, auto debit, supply normal, every bill paid in full on time, "
        "fees of 300,000-900,000 yuan over 24 months, usage up 0-15 %; tax grade B",
        _ELIGIBLE,
    ),
    _electricity(
        "electricity-large",
        2,
        "as electricity-eligible, with fees of 6 million yuan or more over the last 12 months",
        ElectricityTraits(monthly_bill_yuan=650_000, voltage_level="10kV"),
        industry="chemicals",
        monthly_revenue_yuan=6_417_000.0,
    ),
    _electricity(
        "electricity-arrears",
        3,
        "as electricity-eligible, with arrears on the last three bills fallen due (2026-07 to 2026-09)",
        ElectricityTraits(monthly_bill_yuan=25_000, arrears_months=3),
    ),
    _electricity(
        "electricity-suspended",
        4,
        "as electricity-eligible, with its supply suspended",
        ElectricityTraits(monthly_bill_yuan=25_000, supply_status="suspended"),
    ),
    _electricity(
        "electricity-holder-mismatch",
        5,
        "as electricity-eligible, with its account held by a person (masked), not in its registered name",
        ElectricityTraits(monthly_bill_yuan=25_000, holder="person"),
    ),
    Fixture(
        "receivable-supplier",
        6,
        "a supplier of two core enterprises with receivables on both: three confirmed unsettled ones due in "
        "30-180 days with tenors up to 6 months, one due in 9 days, one settled, one unconfirmed, tenors of "
        "15 and 10 months; most of the financeable amount on its first core debtor",
        industry="metal_products",
        monthly_revenue_yuan=900_000.0,
        relations=(
            FixtureRelation(
                "core", 1, monthly_orders=0.8, order_yuan=150_000.0, receivables=_SUPPLIER_RECEIVABLES
            ),
            FixtureRelation(
                "core", 2, monthly_orders=0.5, order_yuan=60_000.0, receivables=_SECOND_DEBTOR_RECEIVABLES
            ),
        ),
    ),
    Fixture(
        "logistics-eligible",
        7,
        "ships every month of the last 12 (at least 4 waybills a month) to 6 consignees, none above 40 % of "
        "its freight",
        industry="food_processing",
        monthly_revenue_yuan=600_000.0,
        relations=tuple(
            FixtureRelation("firm", ordinal, monthly_orders=1.3, order_yuan=60_000.0) for ordinal in range(6)
        ),
    ),
    _electricity(
        "electricity-small",
        8,
        "as electricity-eligible, with fees below 60,000 yuan over 24 months",
        ElectricityTraits(monthly_bill_yuan=1_800),
        monthly_revenue_yuan=19_200.0,
    ),
    _electricity(
        "electricity-cash",
        9,
        "as electricity-eligible, paying its bills in cash",
        ElectricityTraits(monthly_bill_yuan=25_000, payment_method="cash"),
    ),
    Fixture(
        "logistics-sporadic",
        10,
        "ships in only 2 of the last 12 months (waybills in at most 4 of them)",
        industry="furniture",
        monthly_revenue_yuan=300_000.0,
        relations=(
            FixtureRelation(
                "firm", 0, order_yuan=40_000.0, months=_months("2025-03", "2025-07", "2026-01", "2026-05")
            ),
        ),
    ),
    _electricity(
        "electricity-short-history",
        11,
        "as electricity-eligible, but its only account opened 2025-12-10: bills from 2026-01 (10 months)",
        ElectricityTraits(monthly_bill_yuan=25_000, opened_on=date(2025, 12, 10)),
    ),
    _tax(
        "tax-eligible",
        12,
        "tax grade A, 150,000-250,000 yuan of tax paid over the last 12 months, paid every month, no overdue "
        "filing, no violation",
        TaxTraits(grade="A", yearly_tax_yuan=200_000),
    ),
    Fixture(
        "logistics-concentrated",
        13,
        "ships to three consignees, 85 % or more of its freight to one",
        industry="general_machinery",
        monthly_revenue_yuan=900_000.0,
        relations=(
            FixtureRelation("firm", 0, monthly_orders=2.0, order_yuan=300_000.0),
            FixtureRelation("firm", 1, monthly_orders=0.6, order_yuan=4_000.0),
            FixtureRelation("firm", 2, monthly_orders=0.6, order_yuan=4_000.0),
        ),
    ),
    Fixture(
        "young-firm",
        14,
        "founded 2025-09-01: electricity, tax, orders and waybills only since then",
        industry="food_processing",
        founded_on=date(2025, 9, 1),
        monthly_revenue_yuan=200_000.0,
        relations=(
            FixtureRelation("firm", 0, order_yuan=30_000.0),
            FixtureRelation("firm", 1, order_yuan=20_000.0),
        ),
    ),
    Fixture(
        "cooperative",
        15,
        "a farmers' professional cooperative (93 code) growing vegetables and fruit for a food-processing "
        "core enterprise",
        industry="crop_farming",
        legal_form="farmers_cooperative",
        monthly_revenue_yuan=250_000.0,
        relations=(FixtureRelation("food_core", 0, monthly_orders=1.2, order_yuan=40_000.0, on_credit=True),),
    ),
    _tax(
        "tax-grade-c",
        16,
        "as tax-eligible, with tax grade C",
        TaxTraits(grade="C", yearly_tax_yuan=200_000),
        health="fair",
    ),
    _tax(
        "tax-grade-m",
        18,
        "as tax-eligible, with tax grade M: founded 2024-05-01 (30 months in business)",
        TaxTraits(grade="M", yearly_tax_yuan=150_000),
        founded_on=date(2024, 5, 1),
        monthly_revenue_yuan=400_000.0,
    ),
    _tax(
        "tax-no-recent-payment",
        20,
        "as tax-eligible, with no tax payment from 2026-08 on",
        TaxTraits(grade="A", yearly_tax_yuan=200_000, unpaid_from=date(2026, 8, 1)),
    ),
    _tax(
        "tax-overdue-filing",
        21,
        "as tax-eligible, with one overdue filing",
        TaxTraits(grade="A", yearly_tax_yuan=200_000, overdue_filings=1),
    ),
    _tax(
        "tax-violation",
        22,
        "as tax-eligible, with one violation decided 2025-12-08",
        TaxTraits(grade="A", yearly_tax_yuan=200_000, violation_on=date(2025, 12, 8)),
    ),
    _tax(
        "tax-small",
        23,
        "as tax-eligible, with about 12,000 yuan of tax over the last 12 months",
        TaxTraits(grade="A", yearly_tax_yuan=12_000),
        monthly_revenue_yuan=40_000.0,
    ),
    _tax(
        "tax-large",
        24,
        "as tax-eligible, with about 1.5 million yuan of tax a year",
        TaxTraits(grade="A", yearly_tax_yuan=1_500_000),
        monthly_revenue_yuan=3_500_000.0,
    ),
    Fixture(
        "code-mismatch",
        25,
        "a limited liability company whose credit code has the kind digit of an individual business (92)",
        industry="apparel",
        kind="2",
    ),
    # planted cases of the cross-source checks (sandbox.anomalies, with fixed parameters) and look-alikes
    Fixture(
        "ring-member",
        26,
        "in a 3-ring of related firms (its legal representative a shareholder of one, a director of the "
        "other), each selling to the next about the same amount over the last 12 months: CIRCULAR_TRADE",
        industry="plastics",
        monthly_revenue_yuan=800_000.0,
        relations=(FixtureRelation("firm", 0, monthly_orders=1.0, order_yuan=40_000.0),),
        plant="ring",
    ),
    Fixture(
        "ghost-orders",
        27,
        "ships to two buyers, and has as many orders again marked shipped or completed to a third buyer "
        "over the last 12 months with no waybill: ORDERS_WITHOUT_SHIPMENTS",
        industry="furniture",
        monthly_revenue_yuan=600_000.0,
        relations=tuple(
            FixtureRelation("firm", ordinal, monthly_orders=1.0, order_yuan=30_000.0) for ordinal in range(2)
        ),
        plant="ghost_orders",
    ),
    Fixture(
        "inflated-sales",
        28,
        "platform sales of the last 12 months 3 times its invoiced sales (orders to two buyers that no "
        "invoice backs): SALES_NOT_INVOICED",
        industry="electrical_equipment",
        monthly_revenue_yuan=500_000.0,
        relations=(FixtureRelation("firm", 0, monthly_orders=1.0, order_yuan=40_000.0),),
        plant="inflated_sales",
    ),
    Fixture(
        "sales-spike",
        29,
        "invoiced sales of 2026-09 and 2026-10 at 3.5 and 4 times the same months of 2025: SALES_SPIKE",
        industry="textiles",
        monthly_revenue_yuan=500_000.0,
        yearly_growth=0.05,
        plant="sales_spike",
    ),
    Fixture(
        "energy-divergence",
        30,
        "a manufacturer whose invoiced sales of the last 12 months are 40 % above the 12 before while its "
        "kWh fell 35 %: OUTPUT_ENERGY_DIVERGENCE",
        industry="metal_products",
        monthly_revenue_yuan=700_000.0,
        plant="energy_divergence",
    ),
    Fixture(
        "duplicate-receivables",
        31,
        "sells on credit to one buyer; its two latest receivables were issued again under second numbers "
        "(same debtor, amount and due date): DUPLICATE_RECEIVABLE",
        industry="general_machinery",
        monthly_revenue_yuan=900_000.0,
        relations=(FixtureRelation("firm", 0, monthly_orders=1.0, order_yuan=60_000.0, on_credit=True),),
        plant="duplicate_receivables",
    ),
    Fixture(
        "related-counterparty",
        32,
        "sells to a firm whose legal representative is its own (same person, same ID number): RELATED_PARTY",
        industry="food_processing",
        monthly_revenue_yuan=400_000.0,
        relations=(FixtureRelation("firm", 0, monthly_orders=1.0, order_yuan=25_000.0),),
        plant="related_counterparty",
    ),
    Fixture(
        "seasonal-seller",
        33,
        "honest: a fruit farm invoicing three times as much in its harvest months (August-October) every "
        "year, so no month stands out against the year before: no SALES_SPIKE",
        industry="crop_farming",
        monthly_revenue_yuan=300_000.0,
        plant="seasonal",
    ),
    Fixture(
        "off-platform-seller",
        34,
        "honest: a trader invoicing 20 times or more what it sells on the platform (most of its sales off "
        "it): no SALES_NOT_INVOICED",
        industry="wholesale",
        monthly_revenue_yuan=1_200_000.0,
        relations=(FixtureRelation("firm", 0, monthly_orders=1.0, order_yuan=20_000.0),),
        plant="off_platform",
    ),
    Fixture(
        "wholesale-divergence",
        35,
        "honest: a trader (not a manufacturer) with invoiced sales up 35 % and kWh down 30 %: "
        "OUTPUT_ENERGY_DIVERGENCE does not apply",
        industry="wholesale",
        monthly_revenue_yuan=800_000.0,
        plant="divergence_not_applicable",
    ),
    # the receivable lifecycle (sandbox.lifecycle)
    Fixture(
        "voucher-splitter",
        17,
        "a supplier of a core enterprise buying from two firms: of its two confirmed unsettled receivables "
        "on the core, one split into two children (30 % and 20 %) transferred to its two sellers, keeping "
        "50 %; the other not split",
        industry="auto_parts",
        monthly_revenue_yuan=700_000.0,
        relations=(
            FixtureRelation(
                "core", 3, monthly_orders=0.6, order_yuan=120_000.0, receivables=_VOUCHER_RECEIVABLES
            ),
            FixtureRelation("firm", 0, monthly_orders=1.0, order_yuan=30_000.0, buys=True),
            FixtureRelation("firm", 1, monthly_orders=0.8, order_yuan=20_000.0, buys=True),
        ),
        late=True,
    ),
)
"""Every fixture, by position; names are unique."""


LATE_FIXTURES_FROM_SIZE = 100
"""A late fixture is placed only in a universe this big: smaller ones, full of fixtures already, would leave
the planted cases too few firms (as they were before it came)."""


def placed_fixtures(size: int) -> dict[int, Fixture]:
    """The fixtures a universe of ``size`` firms holds, by the index they take over."""
    return {
        size - fixture.position: fixture
        for fixture in FIXTURES
        if size - fixture.position > 0 and (not fixture.late or size >= LATE_FIXTURES_FROM_SIZE)
    }


def fixture_codes(universe: Universe) -> dict[str, str]:
    """Fixture name → credit code, for every fixture the universe holds, in the table's order."""
    by_name = {fixture.name: code for code, fixture in universe.fixtures.items()}
    return {fixture.name: by_name[fixture.name] for fixture in FIXTURES if fixture.name in by_name}


def fixture_code(universe: Universe, name: str) -> str:
    """The credit code of the fixture firm ``name`` (KeyError naming the known ones otherwise)."""
    codes = fixture_codes(universe)
    if name not in codes:
        raise KeyError(f"no fixture firm {name!r} in this universe; it has: {', '.join(codes)}")
    return codes[name]

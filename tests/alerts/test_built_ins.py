"""Each built-in early warning on the facts of records made to sit on either side of its threshold: it fires
with its severity, period and details where its description says, and stays quiet just short of it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from connectors.records import Record, RegistryRecord, TradeRecord
from hub.alerts.builtins import BY_NAME
from hub.alerts.rules import Firing, evaluate_rule
from hub.products.facts import FactInputs, build_facts
from tests.products.records import AS_OF, CODE, electricity, registry
from tests.products.test_warning_facts import waybills, with_kwh
from tests.verification import records as verification_records
from tests.verification.records import order, receivable

CORE = "91330100MA2CORE01X"
BUYER = "91330100MA2BUYER1Y"


def fire(
    rule: str, records: dict[str, Record], related: dict[str, RegistryRecord] | None = None
) -> Firing | None:
    compiled = BY_NAME[rule].compiled
    assert compiled is not None
    inputs = FactInputs(CODE, AS_OF.date(), records, related or {})
    facts = build_facts(inputs, frozenset(compiled.namespaces))
    return evaluate_rule(rule, compiled, facts, None, today=AS_OF.date())


def test_usage_drop_needs_two_months_running_at_least_30_percent_below() -> None:
    # the month before: 2,000 against 3,000s (-33 %);
    # the last: 1,400 against (2,000 + 3,000 + 3,000) / 3 (-48 %)
    fired = fire("electricity-usage-drop", {"electricity": with_kwh(electricity(), {0: "1400", 1: "2000"})})
    assert fired is not None
    assert (fired.severity, fired.period, fired.sources) == ("MEDIUM", "2026-10", ("electricity",))
    assert fired.details["threshold"] == -0.3
    assert fired.details["kwhVsPrior3MeanBefore"] == round(2000 / 3000 - 1, 4)
    # one month down is not yet a trend; the month before at 2,150 (-28 %) is short of the threshold
    assert fire("electricity-usage-drop", {"electricity": with_kwh(electricity(), {0: "1400"})}) is None
    short = with_kwh(electricity(), {0: "1400", 1: "2150"})
    assert fire("electricity-usage-drop", {"electricity": short}) is None


def test_shipments_drop_needs_half_of_the_quarter_before_and_enough_history() -> None:
    fired = fire("shipments-drop", {"logistics": waybills({0: 1, 1: 1, 2: 1, 3: 2, 4: 2, 5: 2})})
    assert fired is not None
    assert (fired.severity, fired.period) == ("MEDIUM", "2026-10")
    assert (fired.details["shipmentsLast3m"], fired.details["shipmentsPrevious3m"]) == (3, 6)
    assert (
        fire("shipments-drop", {"logistics": waybills({0: 2, 1: 1, 2: 1, 3: 2, 4: 2, 5: 2})}) is None
    )  # -33 %
    assert (
        fire("shipments-drop", {"logistics": waybills({0: 1, 3: 1, 4: 1, 5: 1})}) is None
    )  # 3 before: too few


def trade(*receivables: tuple[str, str, int, bool]) -> TradeRecord:
    """Receivables of the firm (debtor, due date, amount, settled), each with its order."""
    held = [
        receivable(f"RCV{index:04d}", CODE, debtor, str(amount), date.fromisoformat(due_on)).model_copy(
            update={"settled": settled}
        )
        for index, (debtor, due_on, amount, settled) in enumerate(receivables)
    ]
    orders = [
        order(item.order_no, CODE, item.debtor_code, item.due_on - timedelta(days=90), str(item.amount_yuan))
        for item in held
    ]
    return verification_records.trade(CODE, orders, held)


def debtors() -> dict[str, RegistryRecord]:
    return {CORE: registry(credit_code=CORE, is_core=True), BUYER: registry(credit_code=BUYER, is_core=False)}


def test_a_receivable_on_a_core_enterprise_overdue_and_unsettled_fires() -> None:
    record = trade(
        (CORE, "2026-10-20", 120_000, False),  # 11 days overdue
        (CORE, "2026-09-30", 80_000, True),  # overdue but settled
        (BUYER, "2026-10-01", 50_000, False),  # overdue, but not on a core enterprise
        (CORE, "2026-12-20", 90_000, False),  # not yet due
    )
    fired = fire("core-receivable-overdue", {"trade": record}, debtors())
    assert fired is not None
    assert (fired.severity, fired.period, fired.sources) == ("HIGH", "2026-10-20", ("trade",))
    overdue: list[dict[str, Any]] = fired.details["overdue"]
    assert [(item["receivableNo"], item["daysOverdue"]) for item in overdue] == [("RCV0000", 11)]
    quiet = trade((CORE, "2026-09-30", 80_000, True), (BUYER, "2026-10-01", 50_000, False))
    assert fire("core-receivable-overdue", {"trade": quiet}, debtors()) is None
    # a debtor the registry did not answer for is not taken for a core enterprise
    assert fire("core-receivable-overdue", {"trade": trade((CORE, "2026-10-20", 1, False))}) is None

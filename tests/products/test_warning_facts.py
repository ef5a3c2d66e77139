"""The facts the early warnings read (hub.alerts): a month's kWh against the 3 months before it, arrears
running back from the latest bill fallen due, shipments quarter on quarter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.records import ElectricityRecord, LogisticsRecord, Party, Record, Waybill
from foundation.months import shift_months
from hub.products.facts import FactInputs, build_facts
from tests.products.records import AS_OF, CODE, LAST_MONTH, electricity


def facts(namespace: str, record: Record) -> dict[str, Any]:
    inputs = FactInputs(CODE, AS_OF.date(), {namespace: record})
    return build_facts(inputs, frozenset({namespace}))[namespace]


def with_kwh(record: ElectricityRecord, kwh_by_offset: dict[int, str]) -> ElectricityRecord:
    """``record`` with the kWh of the months ``offset`` back from the last one replaced."""
    months = []
    for bill in record.months:
        offset = (LAST_MONTH.year - bill.month.year) * 12 + LAST_MONTH.month - bill.month.month
        months.append(
            bill.model_copy(update={"kwh": Decimal(kwh_by_offset[offset])})
            if offset in kwh_by_offset
            else bill
        )
    return record.model_copy(update={"months": tuple(months)})


def test_usage_against_the_three_months_before() -> None:
    # the last month at 1,400 and the one before at 2,000, against months of 3,000: 53 % and 33 % below
    record = with_kwh(electricity(), {0: "1400", 1: "2000"})
    found = facts("electricity", record)
    assert found["latestMonth"] == "2026-10"
    assert found["kwhVsPrior3Mean"] == round(1400 * 3 / (2000 + 3000 + 3000) - 1, 4)
    assert found["kwhVsPrior3MeanBefore"] == round(2000 / 3000 - 1, 4)


def test_usage_without_three_months_before_is_unknown() -> None:
    found = facts("electricity", electricity(months=3))
    assert found["kwhVsPrior3Mean"] is None and found["kwhVsPrior3MeanBefore"] is None


def test_arrears_running_count_back_from_the_latest_bill_fallen_due() -> None:
    assert facts("electricity", electricity())["arrearsMonthsRunning"] == 0
    assert facts("electricity", electricity(arrears_in=frozenset({0, 1, 2})))["arrearsMonthsRunning"] == 3
    assert facts("electricity", electricity(arrears_in=frozenset({0, 2, 3})))["arrearsMonthsRunning"] == 1
    # the latest bill not yet due (neither paid nor in arrears) is skipped, not a break in the run
    record = electricity(arrears_in=frozenset({1, 2, 3}))
    latest = record.months[-1].model_copy(update={"paid_yuan": Decimal(0), "paid_on": None})
    not_due = record.model_copy(update={"months": (*record.months[:-1], latest)})
    assert facts("electricity", not_due)["arrearsMonthsRunning"] == 3


def waybills(per_month: dict[int, int]) -> LogisticsRecord:
    """``per_month[offset]`` waybills shipped by the firm in the month ``offset`` back from LAST_MONTH."""
    shipper, consignee = Party(credit_code=CODE, name="s"), Party(credit_code="91330102MA2B0C1D2E", name="c")
    found = []
    for offset, count in per_month.items():
        month = shift_months(LAST_MONTH, -offset)
        for index in range(count):
            shipped = datetime(month.year, month.month, 5, tzinfo=UTC) + timedelta(hours=index)
            found.append(
                Waybill(
                    waybill_no=f"WB{offset:02d}{index:03d}",
                    shipper=shipper,
                    consignee=consignee,
                    origin="杭州",
                    destination="宁波",
                    weight_kg=Decimal(100),
                    freight_yuan=Decimal(50),
                    shipped_at=shipped,
                    delivered_at=shipped + timedelta(days=1),
                    status="delivered",
                )
            )
    found.sort(key=lambda waybill: waybill.shipped_at, reverse=True)
    return LogisticsRecord(credit_code=CODE, waybills=tuple(found), history_end=LAST_MONTH.replace(day=31))


def test_shipments_quarter_on_quarter() -> None:
    found = facts("logistics", waybills({0: 2, 1: 1, 2: 1, 3: 3, 4: 3, 5: 4, 8: 5}))
    assert (found["shipmentsLast3m"], found["shipmentsPrevious3m"]) == (4, 10)
    assert found["shipmentsQoq"] == -0.6
    assert found["latestMonth"] == "2026-10"

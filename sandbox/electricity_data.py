"""Electricity accounts and monthly bills of a firm (grid company).

Usage follows the firm's scale, its industry's intensity, Zhejiang's seasons (summer peak, Spring Festival
dip) and the firm's trend; bad payers leave arrears, more of them in recent months, pay in cash more often
and some are cut off. An account is held in the registered name, but an individual business's by its
operator and now and then one by another person (a landlord). Bills start with the first month after an
account opened. Fixture firms (:mod:`sandbox.fixtures`) have one account with the traits they name; a planted
divergence (:mod:`sandbox.anomalies`) sets each of the last 12 months' usage against the year before.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from sandbox.fixtures import ElectricityTraits
from sandbox.registry_data import ROADS, Payload, person_name, registration
from sandbox.universe import TODAY, Universe, cents_text, history_months

_SEASON = {
    1: 1.0,
    2: 0.72,
    3: 0.95,
    4: 0.97,
    5: 1.0,
    6: 1.05,
    7: 1.18,
    8: 1.2,
    9: 1.06,
    10: 1.0,
    11: 1.0,
    12: 1.04,
}
_PRICE_CENTIFEN = {"0.4kV": 8520, "10kV": 7235, "35kV": 6580}  # 1/100 fen per kWh, by voltage
_CAPACITIES_KVA = (30, 50, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500,
                   3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000, 20000, 25000, 31500, 40000)  # fmt: skip
_AUTO_DEBIT = {"good": 0.8, "fair": 0.65, "bad": 0.45}
_SUSPENDED = {"good": 0.0, "fair": 0.0, "bad": 0.1}
_OTHER_HOLDER = 0.02  # accounts held by another person than the firm (or its operator)


def _traits(universe: Universe, credit_code: str) -> ElectricityTraits | None:
    fixture = universe.fixture_of(credit_code)
    return fixture.electricity if fixture is not None else None


def _account_count(universe: Universe, credit_code: str) -> int:
    firm = universe.by_code[credit_code]
    drawn = firm.is_core or universe.rng(credit_code, "electricity-accounts").random() < 0.2
    return 1 if _traits(universe, credit_code) is not None else 2 if drawn else 1


def _base_kwh(universe: Universe, credit_code: str, ordinal: int, voltage: str) -> float:
    """An account's usage in a month of average season at the start of the history."""
    firm = universe.by_code[credit_code]
    traits = _traits(universe, credit_code)
    if traits is not None:
        return traits.monthly_bill_yuan * 10_000 / _PRICE_CENTIFEN[voltage]
    share = (0.6 if ordinal == 0 else 0.4) if _account_count(universe, credit_code) > 1 else 1.0
    return firm.monthly_revenue_yuan * firm.industry.kwh_per_yuan * share


def _holder(universe: Universe, credit_code: str, ordinal: int) -> tuple[str, str]:
    """(type, name) of an account's holder as the grid company registered it."""
    document = registration(universe, credit_code)
    rng = universe.rng(credit_code, f"electricity-holder-{ordinal}")
    traits = _traits(universe, credit_code)
    other = traits.holder == "person" if traits is not None else rng.random() < _OTHER_HOLDER
    if other:
        return "person", person_name(rng)
    if document["legalForm"] == "individual_business":
        representative = document["legalRepresentative"]
        assert isinstance(representative, dict)
        return "person", str(representative["name"])
    return "enterprise", str(document["name"])


def _capacity_kva(rng_roll: float, peak_kwh: float) -> int:
    """The smallest standard capacity carrying the peak month at a load factor of 0.25-0.6."""
    needed = peak_kwh / (720 * (0.25 + 0.35 * rng_roll))
    return next((kva for kva in _CAPACITIES_KVA if kva >= needed), _CAPACITIES_KVA[-1])


def account_number(universe: Universe, credit_code: str, ordinal: int) -> str:
    """12 digits: city, the firm's place in the universe, the account's ordinal (so no lookup table)."""
    firm = universe.by_code[credit_code]
    return f"{firm.division[:4]}{firm.index:07d}{ordinal}"


def owner_of(universe: Universe, account_no: str) -> tuple[str, int] | None:
    """The credit code and ordinal of an account number of this universe, or None."""
    if len(account_no) != 12 or not account_no.isdigit():
        return None
    index, ordinal = int(account_no[4:11]), int(account_no[11])
    if index >= len(universe.firms):
        return None
    code = universe.firms[index].credit_code
    if account_number(universe, code, ordinal) != account_no or ordinal >= _account_count(universe, code):
        return None
    return code, ordinal


@lru_cache(maxsize=4096)
def accounts(universe: Universe, credit_code: str) -> tuple[Payload, ...]:
    firm = universe.by_code[credit_code]
    traits = _traits(universe, credit_code)
    rng = universe.rng(credit_code, "electricity-accounts")
    rng.random()  # the draw _account_count made
    founded = date.fromisoformat(str(registration(universe, credit_code)["foundedOn"]))
    result: list[Payload] = []
    for ordinal in range(_account_count(universe, credit_code)):
        address = str(registration(universe, credit_code)["address"])
        if ordinal:
            address = f"浙江省{firm.city}{firm.county}{rng.choice(ROADS)}{rng.randint(1, 2000)}号"
        voltage = rng.choice(("10kV", "35kV") if firm.is_core else ("0.4kV", "0.4kV", "10kV"))
        # before the history unless the firm is younger: then when it was founded
        opened = max(founded, min(founded + timedelta(days=rng.randint(30, 2000)), date(2023, 6, 30)))
        terms = universe.rng(credit_code, f"electricity-terms-{ordinal}")
        payment = "auto_debit" if terms.random() < _AUTO_DEBIT[firm.health] else "cash"
        status = "suspended" if terms.random() < _SUSPENDED[firm.health] else "normal"
        if traits is not None:
            voltage, payment, status = traits.voltage_level, traits.payment_method, traits.supply_status
            opened = traits.opened_on or opened
        holder_type, holder_name = _holder(universe, credit_code, ordinal)
        peak_kwh = _base_kwh(universe, credit_code, ordinal, voltage) * max(_SEASON.values()) * 1.3
        result.append(
            {
                "accountNo": account_number(universe, credit_code, ordinal),
                "address": address,
                "voltageLevel": voltage,
                "openedOn": opened.isoformat(),
                "holderName": holder_name,
                "holderType": holder_type,
                "paymentMethod": payment,
                "contractedCapacityKva": str(_capacity_kva(terms.random(), peak_kwh)),
                "supplyStatus": status,
            }
        )
    return tuple(result)


def _due(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following.replace(day=15)


@lru_cache(maxsize=4096)
def consumption(universe: Universe, credit_code: str, ordinal: int) -> tuple[Payload, ...]:
    """The monthly bills of one account over the 24 months of history (from its first full month), oldest
    first."""
    firm = universe.by_code[credit_code]
    account = accounts(universe, credit_code)[ordinal]
    traits = _traits(universe, credit_code)
    rng = universe.rng(credit_code, f"electricity-{ordinal}")
    price = _PRICE_CENTIFEN[str(account["voltageLevel"])]
    base_kwh = _base_kwh(universe, credit_code, ordinal, str(account["voltageLevel"]))
    opened = date.fromisoformat(str(account["openedOn"]))
    months = history_months()
    # the fixture's bills left partly unpaid: the last ones fallen due on the universe's today
    fallen_due = [month for month in months if _due(month) < TODAY]
    unpaid = (
        set(fallen_due[len(fallen_due) - traits.arrears_months :])
        if traits and traits.arrears_months
        else set()
    )
    planted = universe.plan.kwh_growth.get(credit_code)  # each of the last 12 months on a year before
    plant_rng = universe.rng(credit_code, f"electricity-plant-{ordinal}")
    drawn: dict[date, int] = {}
    items: list[Payload] = []
    for step, month in enumerate(months):
        if month < opened:
            continue
        trend = (1 + firm.yearly_growth) ** (step / 12)
        kwh_tenths = round(base_kwh * _SEASON[month.month] * trend * rng.uniform(0.94, 1.06) * 10)
        year_before = months[step - 12] if step >= 12 else None
        if planted is not None and year_before in drawn:
            kwh_tenths = round(drawn[year_before] * (1 + planted) * plant_rng.uniform(0.98, 1.02))
        drawn[month] = kwh_tenths
        bill = (kwh_tenths * price + 500) // 1000
        due = _due(month)
        paid, paid_on = bill, due - timedelta(days=rng.randint(1, 10))
        if firm.health == "bad" and rng.random() < 0.1 + 0.5 * step / (len(months) - 1):
            paid = bill * rng.choice((0, 0, 30, 50, 70)) // 100
        elif firm.health == "fair" and rng.random() < 0.08:
            paid_on = due + timedelta(days=rng.randint(1, 12))
        if month in unpaid:
            paid = bill * 60 // 100
        if due >= TODAY:  # not yet due on the universe's today
            paid = 0
        paid_text = None if paid == 0 or paid_on >= TODAY else paid_on.isoformat()
        if paid_text is None:
            paid = 0
        items.append(
            {
                "month": f"{month:%Y-%m}",
                "kwh": f"{kwh_tenths // 10}.{kwh_tenths % 10}",
                "billAmount": cents_text(bill),
                "paidAmount": cents_text(paid),
                "dueDate": due.isoformat(),
                "paidDate": paid_text,
                "arrears": cents_text(bill - paid if due < TODAY else 0),
            }
        )
    return tuple(items)

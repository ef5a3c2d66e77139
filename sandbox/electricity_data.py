"""Electricity accounts and monthly bills of a firm (grid company).

Usage follows the firm's scale, its industry's intensity, Zhejiang's seasons (summer peak, Spring Festival
dip) and the firm's trend; bad payers leave arrears, more of them in recent months.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from sandbox.registry_data import ROADS, Payload, registration
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


def _account_count(universe: Universe, credit_code: str) -> int:
    firm = universe.by_code[credit_code]
    return 2 if firm.is_core or universe.rng(credit_code, "electricity-accounts").random() < 0.2 else 1


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
    rng = universe.rng(credit_code, "electricity-accounts")
    rng.random()  # the draw _account_count made
    founded = date.fromisoformat(str(registration(universe, credit_code)["foundedOn"]))
    result: list[Payload] = []
    for ordinal in range(_account_count(universe, credit_code)):
        address = str(registration(universe, credit_code)["address"])
        if ordinal:
            address = f"浙江省{firm.city}{firm.county}{rng.choice(ROADS)}{rng.randint(1, 2000)}号"
        voltage = rng.choice(("10kV", "35kV") if firm.is_core else ("0.4kV", "0.4kV", "10kV"))
        opened = min(founded + timedelta(days=rng.randint(30, 2000)), date(2023, 6, 30))
        result.append(
            {
                "accountNo": account_number(universe, credit_code, ordinal),
                "address": address,
                "voltageLevel": voltage,
                "openedOn": opened.isoformat(),
            }
        )
    return tuple(result)


def _due(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following.replace(day=15)


@lru_cache(maxsize=4096)
def consumption(universe: Universe, credit_code: str, ordinal: int) -> tuple[Payload, ...]:
    """24 monthly bills of one account, oldest first."""
    firm = universe.by_code[credit_code]
    account = accounts(universe, credit_code)[ordinal]
    rng = universe.rng(credit_code, f"electricity-{ordinal}")
    share = (0.6 if ordinal == 0 else 0.4) if len(accounts(universe, credit_code)) > 1 else 1.0
    price = _PRICE_CENTIFEN[str(account["voltageLevel"])]
    base_kwh = firm.monthly_revenue_yuan * firm.industry.kwh_per_yuan * share
    months = history_months()
    items: list[Payload] = []
    for step, month in enumerate(months):
        trend = (1 + firm.yearly_growth) ** (step / 12)
        kwh_tenths = round(base_kwh * _SEASON[month.month] * trend * rng.uniform(0.94, 1.06) * 10)
        bill = (kwh_tenths * price + 500) // 1000
        due = _due(month)
        paid, paid_on = bill, due - timedelta(days=rng.randint(1, 10))
        if firm.health == "bad" and rng.random() < 0.1 + 0.5 * step / (len(months) - 1):
            paid = bill * rng.choice((0, 0, 30, 50, 70)) // 100
        elif firm.health == "fair" and rng.random() < 0.08:
            paid_on = due + timedelta(days=rng.randint(1, 12))
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

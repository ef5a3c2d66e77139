"""GraphQL types of the electricity profile."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from connectors.records import ElectricityAccount as AccountRecord
from connectors.records import Fetched
from hub.profiles import electricity
from schema.freshness import Freshness


@strawberry.enum(description="How an account's bills are paid.")
class ElectricityPaymentMethod(Enum):
    AUTO_DEBIT = "auto_debit"
    CASH = "cash"


@strawberry.enum(description="Whether the grid company supplies the account.")
class SupplyStatus(Enum):
    NORMAL = "normal"
    SUSPENDED = "suspended"


@strawberry.type(description="A metering account of the enterprise at the grid company.")
class ElectricityAccount:
    account_no: str = strawberry.field(description="The grid company's account number.")
    address: str = strawberry.field(description="Where the metered premises are.")
    voltage_level: str = strawberry.field(description="Supply voltage, e.g. 10kV.")
    opened_on: date = strawberry.field(description="When the account was opened.")
    holder_name: str | None = strawberry.field(
        description="The account holder as the grid company registered it: normally the enterprise's "
        "registered name; a person's name is masked (王**). Null when not reported."
    )
    payment_method: ElectricityPaymentMethod | None = strawberry.field(
        description="Auto debit or cash; null when not reported."
    )
    contracted_capacity_kva: Decimal | None = strawberry.field(
        description="The contracted capacity, kVA; null when not reported."
    )
    supply_status: SupplyStatus | None = strawberry.field(
        description="Normal or suspended supply; null when not reported."
    )

    @classmethod
    def of(cls, account: AccountRecord) -> ElectricityAccount:
        return cls(
            account_no=account.account_no,
            address=account.address,
            voltage_level=account.voltage_level,
            opened_on=account.opened_on,
            holder_name=account.holder_name,
            payment_method=ElectricityPaymentMethod(account.payment_method)
            if account.payment_method
            else None,
            contracted_capacity_kva=account.contracted_capacity_kva,
            supply_status=SupplyStatus(account.supply_status) if account.supply_status else None,
        )


@strawberry.type(description="Usage and bills of one month, summed over every account of the enterprise.")
class ElectricityMonth:
    month: date = strawberry.field(description="The month (its first day).")
    kwh: Decimal = strawberry.field(description="Energy used, kWh.")
    bill_yuan: Decimal = strawberry.field(description="Amount billed, yuan.")
    paid_yuan: Decimal = strawberry.field(description="Amount paid, yuan.")
    arrears_yuan: Decimal = strawberry.field(description="Arrears outstanding at the end of the month, yuan.")
    bills: int = strawberry.field(description="Bills issued this month (one per account).")
    bills_paid_on_time: int = strawberry.field(description="Bills paid in full by their due date.")


@strawberry.type(description="Electricity usage and payment behaviour of an enterprise (grid company data).")
class ElectricityProfile:
    freshness: Freshness = strawberry.field(description="Where and when this data was fetched.")
    as_of_month: date | None = strawberry.field(description="The latest month reported; windows end here.")
    accounts: list[ElectricityAccount] = strawberry.field(description="The enterprise's metering accounts.")
    months: list[ElectricityMonth] = strawberry.field(
        description="Monthly series over the window, oldest first."
    )
    average_monthly_kwh: Decimal | None = strawberry.field(
        description="Mean monthly usage over the window, kWh."
    )
    yoy_growth: float | None = strawberry.field(
        description="Usage of the last min(months, 12) months against the same months a year earlier "
        "(0.1 = +10%); null without a year of history."
    )
    volatility: float | None = strawberry.field(
        description="Coefficient of variation of monthly usage over the window (standard deviation / mean)."
    )
    on_time_payment_rate: float | None = strawberry.field(
        description="Share of the window's bills paid in full by their due date (0..1)."
    )
    arrears_yuan: Decimal = strawberry.field(description="Arrears outstanding in the latest month, yuan.")
    months_in_arrears: int = strawberry.field(description="Months of the window that ended with arrears.")

    @classmethod
    def of(cls, fetched: Fetched[Any], profile: electricity.ElectricityProfile) -> ElectricityProfile:
        return cls(
            freshness=Freshness.of(fetched),
            as_of_month=profile.as_of_month,
            accounts=[ElectricityAccount.of(account) for account in profile.accounts],
            months=[
                ElectricityMonth(
                    month=month.month,
                    kwh=month.kwh,
                    bill_yuan=month.bill_yuan,
                    paid_yuan=month.paid_yuan,
                    arrears_yuan=month.arrears_yuan,
                    bills=month.bills,
                    bills_paid_on_time=month.bills_paid_on_time,
                )
                for month in profile.months
            ],
            average_monthly_kwh=profile.average_monthly_kwh,
            yoy_growth=profile.yoy_growth,
            volatility=profile.volatility,
            on_time_payment_rate=profile.on_time_payment_rate,
            arrears_yuan=profile.arrears_yuan,
            months_in_arrears=profile.months_in_arrears,
        )

"""Electricity (grid company): accounts, monthly kWh, bills, payments and arrears. OAuth 2 client
credentials; the consumption of each account paged with ``page``/``pageSize``; 24 months of history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from connectors.base import Connector, Endpoint
from connectors.paging import PageNumberPaginator
from connectors.payload import PayloadReader, build, readers
from connectors.records import ElectricityAccount, ElectricityMonth, ElectricityRecord
from connectors.source import SandboxDefaults, Source
from connectors.together import all_or_cancel
from connectors.upstream import Upstream
from foundation.months import month_of, shift_months

SOURCE = "electricity"
HISTORY_MONTHS = 24


def map_electricity(
    credit_code: str, accounts_document: Any, consumption: Mapping[str, Sequence[Any]]
) -> ElectricityRecord:
    """The account list and each account's consumption items → :class:`ElectricityRecord`."""
    accounts = [
        build(
            SOURCE,
            account.path,
            ElectricityAccount,
            account_no=account.text("accountNo"),
            address=account.text("address"),
            voltage_level=account.text("voltageLevel"),
            opened_on=account.day("openedOn"),
        )
        for account in PayloadReader(SOURCE, accounts_document).children("accounts")
    ]
    months: list[ElectricityMonth] = []
    for account in accounts:
        items = readers(SOURCE, list(consumption.get(account.account_no, [])), f"{account.account_no}.items")
        months.extend(_month(account.account_no, item) for item in items)
    months.sort(key=lambda month: (month.month, month.account_no))
    return ElectricityRecord(credit_code=credit_code, accounts=tuple(accounts), months=tuple(months))


def _month(account_no: str, item: PayloadReader) -> ElectricityMonth:
    return build(
        SOURCE,
        item.path,
        ElectricityMonth,
        account_no=account_no,
        month=item.month("month"),
        kwh=item.decimal("kwh"),
        bill_yuan=item.decimal("billAmount"),
        paid_yuan=item.decimal("paidAmount"),
        due_on=item.day("dueDate"),
        paid_on=item.optional_day("paidDate"),
        arrears_yuan=item.decimal("arrears"),
    )


class ElectricityConnector(Connector[ElectricityRecord]):
    name = "electricity"
    auth_style = "oauth2_client_credentials"
    auth_options: ClassVar[Mapping[str, str]] = {"token_path": "/oauth/token"}
    endpoints: ClassVar[Mapping[str, Endpoint]] = {
        "accounts": Endpoint("/api/v2/accounts", params={"creditCode": "{credit_code}"}),
        "consumption": Endpoint(
            "/api/v2/accounts/{account_no}/consumption",
            params={"from": "{first_month}", "to": "{last_month}"},
            paginator=PageNumberPaginator(
                page_param="page", size_param="pageSize", total_path="total", page_path="page"
            ),
            page_size=50,
            record_path="items",
        ),
    }
    record_type = ElectricityRecord

    async def fetch(self, upstream: Upstream, credit_code: str) -> ElectricityRecord:
        accounts_document = await upstream.document(self.endpoints["accounts"], credit_code=credit_code)
        account_numbers = [
            account.text("accountNo")
            for account in PayloadReader(SOURCE, accounts_document).children("accounts")
        ]
        last = upstream.config.history_end()
        window = {
            "first_month": shift_months(month_of(last), -(HISTORY_MONTHS - 1)).strftime("%Y-%m"),
            "last_month": last.strftime("%Y-%m"),
        }
        # Each account's consumption is its own listing: fetched side by side, one round trip for all.
        listings = await all_or_cancel(
            *(
                upstream.records(
                    self.endpoints["consumption"], credit_code=credit_code, account_no=account_no, **window
                )
                for account_no in account_numbers
            )
        )
        consumption = dict(zip(account_numbers, listings, strict=True))
        return map_electricity(credit_code, accounts_document, consumption)


source = Source(
    connector=ElectricityConnector(),
    description="Grid company: monthly kWh, bills, payments and arrears per account",
    consent="electricity",
    sandbox=SandboxDefaults(
        port_offset=1, credentials={"client_id": "hub-sandbox", "client_secret": "sandbox-electricity-secret"}
    ),
    schema="schema.electricity.field",
)
connector = source.connector

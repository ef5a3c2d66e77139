"""Electricity (grid company): accounts (holder, payment method, capacity, supply status), monthly kWh,
bills, payments and arrears. OAuth 2 client credentials; the consumption of each account paged with
``page``/``pageSize``; 24 months of history. An account's holder is a name the hub compares with the
registered one: a person's is kept masked, every holder's as a keyed hash (connectors.personal_data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from connectors.base import Connector, Endpoint
from connectors.paging import PageNumberPaginator
from connectors.payload import PayloadReader, build, readers
from connectors.personal_data import PersonalDataHasher, mask_name
from connectors.records import ElectricityAccount, ElectricityMonth, ElectricityRecord
from connectors.source import SandboxDefaults, Source
from connectors.together import all_or_cancel
from connectors.upstream import Upstream
from foundation.months import month_of, shift_months

SOURCE = "electricity"
HISTORY_MONTHS = 24
HOLDER_TYPES = frozenset({"enterprise", "person"})
PAYMENT_METHODS = frozenset({"auto_debit", "cash"})
SUPPLY_STATUSES = frozenset({"normal", "suspended"})


def _account(account: PayloadReader, personal_data: PersonalDataHasher) -> ElectricityAccount:
    holder = account.text("holderName")
    is_person = account.choice("holderType", HOLDER_TYPES) == "person"
    return build(
        SOURCE,
        account.path,
        ElectricityAccount,
        account_no=account.text("accountNo"),
        address=account.text("address"),
        voltage_level=account.text("voltageLevel"),
        opened_on=account.day("openedOn"),
        holder_name=mask_name(holder) if is_person else holder,
        holder_name_hash=personal_data.name(holder),
        payment_method=account.choice("paymentMethod", PAYMENT_METHODS),
        contracted_capacity_kva=account.decimal("contractedCapacityKva"),
        supply_status=account.choice("supplyStatus", SUPPLY_STATUSES),
    )


def map_electricity(
    credit_code: str,
    accounts_document: Any,
    consumption: Mapping[str, Sequence[Any]],
    personal_data: PersonalDataHasher,
) -> ElectricityRecord:
    """The account list and each account's consumption items → :class:`ElectricityRecord` (a person
    holding an account kept masked and hashed with ``personal_data``)."""
    accounts = [
        _account(account, personal_data)
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
    round_trips = 2  # the accounts, then each account's consumption

    def __init__(self, personal_data: PersonalDataHasher | None = None) -> None:
        """``personal_data``: the hub's hasher; the registered instance has none until
        :func:`connectors.upstream.build_source_clients` binds it (``with_personal_data``)."""
        self._personal_data = personal_data

    def with_personal_data(self, hasher: PersonalDataHasher) -> Self:
        return type(self)(hasher)

    async def fetch(self, upstream: Upstream, credit_code: str) -> ElectricityRecord:
        if self._personal_data is None:
            raise RuntimeError("electricity connector without a personal-data hasher (with_personal_data)")
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
        return map_electricity(credit_code, accounts_document, consumption, self._personal_data)


source = Source(
    connector=ElectricityConnector(),
    description="Grid company: monthly kWh, bills, payments and arrears per account; its holder, payment "
    "method, contracted capacity and supply status",
    consent="electricity",
    sandbox=SandboxDefaults(
        port_offset=1, credentials={"client_id": "hub-sandbox", "client_secret": "sandbox-electricity-secret"}
    ),
    schema="schema.electricity.field",
)
connector = source.connector

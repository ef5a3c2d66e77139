"""Customs (single-window gateway): an exporter's export declarations and monthly FX receipts.

OAuth 2 client credentials with a ``private_key_jwt`` client assertion (the hub signs with its own key);
offset/limit paging; 24 months of history (sandbox/PROTOCOL.md, "customs"). Declarations and receipts are
two listings, fetched side by side. Money: FOB and receipts in USD and in CNY at the day's rate, to the fen.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from connectors.base import Connector, Endpoint
from connectors.paging import OffsetPaginator
from connectors.payload import PayloadReader, build, readers
from connectors.records import Record
from connectors.source import SandboxDefaults, Source
from connectors.together import all_or_cancel
from connectors.upstream import Upstream
from foundation.months import month_of, shift_months

SOURCE = "customs"
HISTORY_MONTHS = 24
TRADE_MODES = {
    "0110": "一般贸易",
    "9610": "跨境贸易电子商务",
    "9710": "跨境电商B2B直接出口",
    "9810": "跨境电商出口海外仓",
}
"""Customs supervision modes of exports (监管方式): general trade and the cross-border e-commerce ones."""
CROSS_BORDER_ECOMMERCE = frozenset({"9610", "9710", "9810"})


class ExportDeclaration(Record):
    declaration_no: str
    declared_on: date
    trade_mode: str  # the customs code, one of TRADE_MODES
    hs_code: str = Field(pattern=r"^\d{10}$")
    goods_name: str
    destination_country: str = Field(pattern=r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2
    port_of_exit: str
    fob_usd: Decimal = Field(ge=0)
    exchange_rate: Decimal = Field(gt=0)  # CNY per USD, the declaration day's
    fob_cny: Decimal = Field(ge=0)
    quantity: Decimal = Field(ge=0)
    unit: str

    @property
    def hs_chapter(self) -> str:
        return self.hs_code[:2]


class FxReceipt(Record):
    month: date
    received_usd: Decimal = Field(ge=0)
    exchange_rate: Decimal = Field(gt=0)
    received_cny: Decimal = Field(ge=0)


class CustomsRecord(Record):
    credit_code: str
    declarations: tuple[ExportDeclaration, ...]  # by declaration day, then number
    receipts: tuple[FxReceipt, ...]  # one a month of the history, ascending
    history_end: date | None = None


def _declaration(item: PayloadReader) -> ExportDeclaration:
    mode = item.child("tradeMode")
    return build(
        SOURCE,
        item.path,
        ExportDeclaration,
        declaration_no=item.text("declarationNo"),
        declared_on=item.day("declaredOn"),
        trade_mode=mode.choice("code", TRADE_MODES),
        hs_code=item.text("hsCode"),
        goods_name=item.text("goodsName"),
        destination_country=item.text("destinationCountry"),
        port_of_exit=item.text("portOfExit"),
        fob_usd=item.decimal("fobUsd"),
        exchange_rate=item.decimal("exchangeRate"),
        fob_cny=item.decimal("fobCny"),
        quantity=item.decimal("quantity"),
        unit=item.text("unit"),
    )


def _receipt(item: PayloadReader) -> FxReceipt:
    return build(
        SOURCE,
        item.path,
        FxReceipt,
        month=item.month("month"),
        received_usd=item.decimal("receivedUsd"),
        exchange_rate=item.decimal("exchangeRate"),
        received_cny=item.decimal("receivedCny"),
    )


def map_customs(
    credit_code: str,
    declarations: Sequence[Any],
    receipts: Sequence[Any],
    history_end: date | None = None,
) -> CustomsRecord:
    """The declaration and receipt items of every page → :class:`CustomsRecord`."""
    mapped = [_declaration(item) for item in readers(SOURCE, list(declarations), "declarations")]
    mapped.sort(key=lambda declaration: (declaration.declared_on, declaration.declaration_no))
    months = [_receipt(item) for item in readers(SOURCE, list(receipts), "fx-receipts")]
    months.sort(key=lambda receipt: receipt.month)
    return CustomsRecord(
        credit_code=credit_code, declarations=tuple(mapped), receipts=tuple(months), history_end=history_end
    )


def _offset_listing(path: str) -> Endpoint:
    return Endpoint(
        path,
        params={"from": "{first_month}", "to": "{last_month}"},
        paginator=OffsetPaginator(
            offset_param="offset", limit_param="limit", total_path="total", offset_path="offset"
        ),
        page_size=200,  # the provider's cap
        record_path="items",
    )


class CustomsConnector(Connector[CustomsRecord]):
    name = "customs"
    auth_style = "oauth2_private_key_jwt"
    auth_options: ClassVar[Mapping[str, str]] = {"token_path": "/oauth2/token"}
    endpoints: ClassVar[Mapping[str, Endpoint]] = {
        "declarations": _offset_listing("/api/v1/exporters/{credit_code}/declarations"),
        "receipts": _offset_listing("/api/v1/exporters/{credit_code}/fx-receipts"),
    }
    record_type = CustomsRecord

    async def fetch(self, upstream: Upstream, credit_code: str) -> CustomsRecord:
        last = upstream.config.history_end()
        window = {
            "first_month": shift_months(month_of(last), -(HISTORY_MONTHS - 1)).strftime("%Y-%m"),
            "last_month": last.strftime("%Y-%m"),
        }
        declarations, receipts = await all_or_cancel(
            upstream.records(self.endpoints["declarations"], credit_code=credit_code, **window),
            upstream.records(self.endpoints["receipts"], credit_code=credit_code, **window),
        )
        return map_customs(credit_code, declarations, receipts, last)


# The customs sandbox's registered client (sandbox/PROTOCOL.md, "customs"): a published, sandbox-only key.
SANDBOX_CLIENT_KEY = {
    "kty": "EC",
    "crv": "P-256",
    "x": "KNhroH3jbIezFCrTXgfm-0AlUjMJajsDZNjwsv8_aCs",
    "y": "uetfDZ-Wz3nt93dYYDzMWT3nTmHuXtbcgvEtkxXZ-vc",
    "d": "JYzto7x6eck4yC06jDB9vfsSP5km5Lay5l93PQh8pgk",
    "kid": "-OjEb5Rhqq9U9wLZJaPS-czCsd10_q4aOwhBF8x7dYc",
    "alg": "ES256",
    "use": "sig",
}

source = Source(
    connector=CustomsConnector(),
    description="Single-window customs: export declarations (HS code, trade mode, destination, FOB) and "
    "monthly FX receipts",
    consent="customs",
    sandbox=SandboxDefaults(
        port_offset=5,
        credentials={"client_id": "hub-sandbox", "private_key": json.dumps(SANDBOX_CLIENT_KEY)},
    ),
    schema="schema.customs.field",
)
connector = source.connector

"""Logistics (freight platform): waybills where the enterprise ships or receives. API key header; opaque
cursor paging; every waybill shipped in the last 24 months, newest first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

from connectors.base import Connector, Endpoint
from connectors.paging import CursorPaginator
from connectors.payload import PayloadReader, build, readers
from connectors.records import LogisticsRecord, Waybill
from connectors.source import SandboxDefaults, Source
from connectors.upstream import Upstream
from foundation.months import month_of, shift_months

SOURCE = "logistics"
HISTORY_MONTHS = 24
STATUSES = frozenset({"delivered", "in_transit"})


def _party(reader: PayloadReader, key: str) -> dict[str, str]:
    """A :class:`Party`'s fields, validated with the waybill (same error path: ``…shipper.credit_code``)."""
    party = reader.child(key)
    return {"credit_code": party.text("creditCode"), "name": party.text("name")}


def map_waybills(credit_code: str, items: Sequence[Any], history_end: date | None = None) -> LogisticsRecord:
    """The waybill items of every page → :class:`LogisticsRecord` (weight in kg, freight in yuan)."""
    waybills = [
        build(
            SOURCE,
            item.path,
            Waybill,
            waybill_no=item.text("waybillNo"),
            shipper=_party(item, "shipper"),
            consignee=_party(item, "consignee"),
            origin=item.text("origin"),
            destination=item.text("destination"),
            weight_kg=item.decimal("weightKg"),
            freight_yuan=item.decimal("freightFee"),
            shipped_at=item.timestamp("shippedAt"),
            delivered_at=item.optional_timestamp("deliveredAt"),
            status=item.choice("status", STATUSES),
        )
        for item in readers(SOURCE, list(items), "data")
    ]
    waybills.sort(key=lambda waybill: waybill.shipped_at, reverse=True)
    return LogisticsRecord(credit_code=credit_code, waybills=tuple(waybills), history_end=history_end)


class LogisticsConnector(Connector[LogisticsRecord]):
    name = "logistics"
    auth_style = "api_key_header"
    auth_options: ClassVar[Mapping[str, str]] = {"header": "X-Api-Key"}
    endpoints: ClassVar[Mapping[str, Endpoint]] = {
        "waybills": Endpoint(
            "/v1/waybills",
            params={"party": "{credit_code}", "since": "{since}"},
            paginator=CursorPaginator(cursor_param="cursor", cursor_path="next_cursor", size_param="limit"),
            page_size=200,
            record_path="data",
        )
    }
    record_type = LogisticsRecord

    async def fetch(self, upstream: Upstream, credit_code: str) -> LogisticsRecord:
        history_end = upstream.config.history_end()
        since = shift_months(month_of(history_end), -(HISTORY_MONTHS - 1)).isoformat()
        items = await upstream.records(self.endpoints["waybills"], credit_code=credit_code, since=since)
        return map_waybills(credit_code, items, history_end)


source = Source(
    connector=LogisticsConnector(),
    description="Freight platform: waybills (shipper, consignee, route, weight, freight, dates)",
    consent="logistics",
    sandbox=SandboxDefaults(port_offset=2, credentials={"api_key": "sandbox-logistics-key"}),
    schema="schema.logistics.field",
)
connector = source.connector

"""One receivable as the trade platform stands it now: status, holder, its split lineage and events.

Asked at the moment a bank registers a financing against it (never cached: the answer must be the
platform's current word), by ``GET /open/v1/receivables/{receivable_no}`` (sandbox/PROTOCOL.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import model_validator

from connectors.base import Endpoint
from connectors.payload import PayloadReader, build, readers
from connectors.records import Record
from connectors.trade import PAGES
from connectors.upstream import Upstream
from foundation.errors import HubError, UnknownEnterprise

SOURCE = "trade"
ReceivableStatus = Literal["uploaded", "confirmed", "rejected", "settled", "overdue"]
EventType = Literal["uploaded", "confirmed", "rejected", "split", "transferred", "settled", "overdue"]
STATUSES = ("uploaded", "confirmed", "rejected", "settled", "overdue")
EVENT_TYPES = ("uploaded", "confirmed", "rejected", "split", "transferred", "settled", "overdue")
ENDPOINT = Endpoint("/open/v1/receivables/{receivable_no}")


class ReceivableNotFound(HubError):
    """The platform knows no receivable of that number."""

    code = "NOT_FOUND"

    def __init__(self, receivable_no: str) -> None:
        super().__init__(
            f"the trade platform knows no receivable {receivable_no}", receivableNo=receivable_no
        )


class LineageEvent(Record):
    at: datetime
    type: EventType
    actor: str | None  # the firm that did it; None: the platform (overdue)
    amount_yuan: Decimal
    counterparty: str | None = None  # the new holder of a transfer
    child_no: str | None = None


class ReceivableChild(Record):
    receivable_no: str
    holder: str
    amount_yuan: Decimal


class ReceivableStanding(Record):
    receivable_no: str
    parent_no: str | None
    creditor_code: str
    debtor_code: str
    holder_code: str
    amount_yuan: Decimal
    retained_yuan: Decimal  # the amount less its children's
    due_on: date
    issued_on: date
    status: ReceivableStatus
    children: tuple[ReceivableChild, ...]
    events: tuple[LineageEvent, ...]

    @model_validator(mode="after")
    def _children_make_up_the_amount(self) -> ReceivableStanding:
        if sum((child.amount_yuan for child in self.children), self.retained_yuan) != self.amount_yuan:
            raise ValueError("children and retained amount do not add up to the receivable")
        return self

    @property
    def tenor_days(self) -> int:
        return (self.due_on - self.issued_on).days


def map_standing(document: Any) -> ReceivableStanding:
    item = PayloadReader(SOURCE, document)
    listed = document if isinstance(document, dict) else {}
    children = [
        build(
            SOURCE,
            child.path,
            ReceivableChild,
            receivable_no=child.text("receivable_no"),
            holder=child.text("holder"),
            amount_yuan=child.decimal("amount_yuan"),
        )
        for child in readers(
            SOURCE, document.get("children") if isinstance(document, dict) else None, "children"
        )
    ]
    events = [
        build(
            SOURCE,
            event.path,
            LineageEvent,
            at=event.timestamp("at"),
            type=event.choice("type", EVENT_TYPES),
            actor=event.optional_text("actor"),
            amount_yuan=event.decimal("amount_yuan"),
            counterparty=event.optional_text("counterparty"),
            child_no=event.optional_text("child_no"),
        )
        for event in readers(SOURCE, listed.get("events"), "events")
    ]
    return build(
        SOURCE,
        "",
        ReceivableStanding,
        receivable_no=item.text("receivable_no"),
        parent_no=item.optional_text("parent_no"),
        creditor_code=item.text("creditor"),
        debtor_code=item.text("debtor"),
        holder_code=item.text("holder"),
        amount_yuan=item.decimal("amount_yuan"),
        retained_yuan=item.decimal("retained_yuan"),
        due_on=item.day("due_date"),
        issued_on=item.day("issued_date"),
        status=item.choice("status", STATUSES),
        children=tuple(children),
        events=tuple(events),
    )


async def receivable_standing(upstream: Upstream, receivable_no: str) -> ReceivableStanding:
    """The platform's current word on one receivable; raises ReceivableNotFound, SourceUnavailable."""
    try:
        document = await upstream.document(ENDPOINT, credit_code="", receivable_no=receivable_no)
    except UnknownEnterprise:
        raise ReceivableNotFound(receivable_no) from None
    return map_standing(document)


LINEAGE = Endpoint(
    "/open/v1/receivables/lineage",
    params={"company": "{credit_code}"},
    paginator=PAGES,
    page_size=100,
    record_path="receivables",
)


async def lineage_listing(upstream: Upstream, credit_code: str) -> tuple[ReceivableStanding, ...]:
    """Every receivable the firm is creditor, debtor or holder of (or of a child of), as the platform
    stands them now; raises UnknownEnterprise, SourceUnavailable."""
    items = await upstream.records(LINEAGE, credit_code=credit_code)
    return tuple(map_standing(item) for item in items)

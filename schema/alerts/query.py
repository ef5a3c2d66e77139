"""Root fields of early warnings, for the caller's own tenant only: ``alerts:read`` reads the watchlist,
the rules and the alerts; ``alerts:write`` changes them and evaluates on demand."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadRequest
from hub.alerts.store import StoredAlert
from schema.alerts.types import Alert, AlertRule, WatchedFirm
from schema.arguments import in_range
from schema.context import Info
from schema.pagination import DEFAULT_PAGE, MAX_PAGE, Connection, Edge, PageInfo
from schema.permissions import HasScope, requires

READ = "alerts:read"
WRITE = "alerts:write"
_CURSOR = "alert:"


def _codes(info: Info, credit_codes: list[strawberry.ID]) -> list[str]:
    limit = info.context.services.settings.max_batch_size
    if len(credit_codes) > limit:
        raise BadRequest(
            f"creditCodes takes at most {limit} items, got {len(credit_codes)}", argument="creditCodes"
        )
    return list(dict.fromkeys(checked_credit_code(str(code)) for code in credit_codes))


async def _watchlist(info: Info) -> list[WatchedFirm]:
    rows = await info.context.services.alerts.book.watchlist(info.context.principal.tenant_id)
    return [WatchedFirm(credit_code=strawberry.ID(row.credit_code), added_at=row.added_at) for row in rows]


def _cursor(alert: StoredAlert) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR}{alert.created_at.isoformat()}|{alert.id}".encode()).decode()


def _after(cursor: str) -> tuple[datetime, str]:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        at, alert_id = text.removeprefix(_CURSOR).split("|", 1)
        if not text.startswith(_CURSOR):
            raise ValueError(text)
        return datetime.fromisoformat(at), alert_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(f"invalid cursor {cursor[:64]!r}", argument="after") from None


@strawberry.type
class AlertQuery:
    @strawberry.field(
        description="Your tenant's watched firms (scope alerts:read).", extensions=[requires(HasScope(READ))]
    )
    async def watchlist(self, info: Info) -> list[WatchedFirm]:
        return await _watchlist(info)

    @strawberry.field(
        description="The built-in alert rules (as your tenant set them) and your own (scope alerts:read).",
        extensions=[requires(HasScope(READ))],
    )
    async def alert_rules(self, info: Info) -> list[AlertRule]:
        views = await info.context.services.alerts.rules(info.context.principal.tenant_id)
        return [AlertRule.of(view) for view in views]

    @strawberry.field(
        description="Your tenant's alerts, newest first, raised at or after `since` (Relay pagination; "
        "scope alerts:read).",
        extensions=[requires(HasScope(READ))],
    )
    async def alerts(
        self, info: Info, since: datetime | None = None, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Alert]:
        in_range("first", first, 0, MAX_PAGE)
        book = info.context.services.alerts.book
        found, total = await book.page(
            info.context.principal.tenant_id, since, _after(after) if after else None, first + 1
        )
        page = found[:first]
        edges = [Edge(cursor=_cursor(alert), node=Alert.of(alert)) for alert in page]
        return Connection(
            total_count=total,
            page_info=PageInfo(
                has_next_page=len(found) > first,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            edges=edges,
        )


@strawberry.type
class AlertMutation:
    @strawberry.mutation(
        description="Put firms on your tenant's watchlist (at most 100; scope alerts:write). A firm without "
        "your tenant's consent to a source can be watched: the rules over that source do not fire for it.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def watch(self, info: Info, credit_codes: list[strawberry.ID]) -> list[WatchedFirm]:
        await info.context.services.alerts.watch(info.context.principal.tenant_id, _codes(info, credit_codes))
        return await _watchlist(info)

    @strawberry.mutation(
        description="Take firms off your tenant's watchlist; the watchlist left (scope alerts:write).",
        extensions=[requires(HasScope(WRITE))],
    )
    async def unwatch(self, info: Info, credit_codes: list[strawberry.ID]) -> list[WatchedFirm]:
        await info.context.services.alerts.unwatch(
            info.context.principal.tenant_id, _codes(info, credit_codes)
        )
        return await _watchlist(info)

    @strawberry.mutation(
        description="Set an alert rule: a built-in's name with `enabled` only, or your own rule's name with "
        "its JDM document (outputs `fire`, and `severity`, `period`, `details`; ALERT_RULE_INVALID names "
        "the node and rule of a document refused). Scope alerts:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def set_alert_rule(
        self, info: Info, name: str, document: JSON | None = None, enabled: bool = True
    ) -> AlertRule:
        view = await info.context.services.alerts.set_rule(
            tenant_id=info.context.principal.tenant_id,
            client_id=info.context.principal.client_id,
            name=name,
            document=document,
            enabled=enabled,
        )
        return AlertRule.of(view)

    @strawberry.mutation(
        description="Evaluate your rules on watched firms now: `wait` (the default) runs them in this "
        "request and answers the new alerts; `wait: false` queues one job per firm and answers none. A "
        "re-run about the same periods adds no alert. Scope alerts:write.",
        extensions=[requires(HasScope(WRITE))],
    )
    async def evaluate_alerts(
        self, info: Info, credit_codes: list[strawberry.ID], wait: bool = True
    ) -> list[Alert]:
        service = info.context.services.alerts
        tenant = info.context.principal.tenant_id
        codes = _codes(info, credit_codes)
        if not wait:
            for code in codes:
                await service.kick(tenant, code)
            return []
        return [Alert.of(alert) for code in codes for alert in await service.evaluate(tenant, code)]

"""The audit log's chain: what an entry is, how a row's hash covers it and the row before, and the rows that
continue the chain after a head.

Row ``n`` stores ``row_hash = sha256(prev_hash + canonical(seq, at, event, tenant, client, enterprise,
sources, operation hash, outcome))`` with ``prev_hash`` the ``row_hash`` of row ``n - 1`` (64 zeros for
row 1). The canonical form is compact JSON of those nine values, with ``at`` in UTC to the microsecond.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select

from foundation.storage import as_utc
from foundation.storage.models import AuditRecord

GENESIS_HASH = "0" * 64
GENESIS_HEAD = (0, GENESIS_HASH)
"""The head of an empty log: the first row is ``seq`` 1 and links to the genesis hash."""

# One encoder for every row: json.dumps with options builds a new encoder on each call.
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

COLUMNS = tuple(AuditRecord.__table__.columns.keys())
"""The audit table's columns in table order: a :data:`Row` holds its values in this order."""
CHECKPOINT_COLUMNS = ("seq", "row_hash", "at", "kid", "jws")
"""The columns a checkpoint row is written with (its ``id`` is the database's)."""
HEAD = select(AuditRecord.seq, AuditRecord.row_hash).order_by(AuditRecord.seq.desc()).limit(1)
"""The log's head: its last row's ``seq`` and ``row_hash``."""
Row = tuple[int, datetime, str, str | None, str | None, str | None, str, str, str, str, str]


class AuditEvent(StrEnum):
    """What an audit row records (its ``event`` column holds the value)."""

    DATA_ACCESS = "data_access"
    TOKEN_ISSUED = "token_issued"  # noqa: S105 - an event name
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - an event name
    CONSENT_GRANTED = "consent_granted"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    CLIENT_DISABLED = "client_disabled"
    CLIENT_ENABLED = "client_enabled"
    CLIENT_AUTH_FAILED = "client_auth_failed"  # auth.client_auth
    PRODUCT_PUBLISHED = "product_published"  # hub.products: a new version of a tenant's product
    ASSESSMENT = "assessment"  # a product evaluated on a firm (its id, version, decision, inputs' digest)
    PRODUCT_SIMULATED = "product_simulated"  # a what-if over a population: one row, no assessment kept
    VERIFICATION = "verification"  # a firm's trade background checked: the findings that flagged
    VERIFICATION_PARAMETERS_SET = "verification_parameters_set"  # a tenant's thresholds of one check
    FINANCING_REGISTERED = "financing_registered"  # hub.financing: a receivable financed (id, amount)
    FINANCING_REFUSED = "financing_refused"  # a registration refused (its code; never another tenant's)
    FINANCING_RELEASED = "financing_released"  # a financing released on repayment
    LOAN_REPORTED = "loan_reported"  # a bank's loan outcome, new or updated
    ALERT_RULE_SET = "alert_rule_set"  # hub.alerts: a tenant's alert rule stored, a built-in toggled
    ALERTS_EVALUATED = "alerts_evaluated"  # a watched firm's rules evaluated (sources read, new alerts)
    WEBHOOK_CREATED = "webhook_created"  # hub.webhooks: a tenant's subscription (its id; the URL's digest)
    WEBHOOK_DELETED = "webhook_deleted"  # a subscription deleted (its pending deliveries dead)
    WEBHOOK_REDELIVERED = "webhook_redelivered"  # `hub webhooks redeliver`: dead deliveries revived
    SNAPSHOTS_PURGED = "snapshots_purged"  # hub.connections: a (firm, source) past its retention


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened, before it gets its place in the chain."""

    event: AuditEvent
    tenant_id: str | None
    client_id: str | None
    credit_code: str | None
    sources: tuple[str, ...]
    operation_hash: str
    outcome: str


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _canonical_time(at: datetime) -> str:
    return as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _content(entry: AuditEntry) -> tuple[str, str | None, str | None, str | None, str, str, str]:
    """The entry's values as the row stores them (and its hash covers them), in column order."""
    return (
        entry.event,
        entry.tenant_id,
        entry.client_id,
        entry.credit_code,
        ",".join(entry.sources),
        entry.operation_hash,
        entry.outcome,
    )


def chain_hash(prev_hash: str, seq: int, at: datetime, entry: AuditEntry) -> str:
    return _chain_hash(prev_hash, seq, _canonical_time(at), _content(entry))


def _chain_hash(prev_hash: str, seq: int, canonical_at: str, content: tuple[str | None, ...]) -> str:
    return digest(prev_hash + _CANONICAL_JSON.encode([seq, canonical_at, *content]))


def chained_rows(head: tuple[int, str], entries: Sequence[AuditEntry], at: datetime) -> list[Row]:
    """The rows continuing the chain after ``head`` (``seq``, ``row_hash``), all written ``at``."""
    seq, prev_hash = head
    canonical_at = _canonical_time(at)
    rows: list[Row] = []
    for entry in entries:
        seq += 1
        content = _content(entry)
        row_hash = _chain_hash(prev_hash, seq, canonical_at, content)
        rows.append((seq, at, *content, prev_hash, row_hash))
        prev_hash = row_hash
    return rows


Prepared = tuple[list[Row], dict[str, object] | None]
"""Rows continuing the chain, and the values of a checkpoint row to write with them (or None)."""
Chain = Callable[[tuple[int, str], Sequence[AuditEntry]], Prepared]
"""Makes the rows (and checkpoint) continuing the chain after a head; touches no database."""


class Appender(Protocol):
    """Extension point: writes one group of entries durably in one transaction, continuing the chain of
    whatever the database holds (read under its write lock), or raises SQLAlchemy's errors."""

    async def append(self, entries: Sequence[AuditEntry]) -> None: ...

    def close(self) -> None: ...

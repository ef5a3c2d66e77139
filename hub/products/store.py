"""Where products and assessments are kept: per tenant, product versions immutable once written.

Publishing a key creates its next version (1, 2, …): a unique (tenant, key, version) lets two concurrent
publishes of one key both succeed, one after the other, never one overwriting the other. Nothing updates or
deletes a version. Assessments are written once, with the product version and the hashes of the snapshots
they read, and read back only by their own tenant.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict

from sqlalchemy import Engine, Select, bindparam, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog
from auth.clients import ensure_tenant
from foundation.errors import BadRequest, NotFound
from foundation.storage import as_utc, sync_sqlite_engine
from foundation.storage.models import Assessment, ProductVersion

PRODUCT_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
KINDS = ("ELECTRICITY", "TAX", "RECEIVABLE", "LOGISTICS", "CUSTOMS", "OTHER")
PUBLISH_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    tenant_id: str
    key: str
    version: int
    name: str
    kind: str
    document: dict[str, Any]
    document_hash: str
    published_at: datetime
    published_by: str | None


def _version(row: ProductVersion) -> PublishedVersion:
    return PublishedVersion(
        row.tenant_id,
        row.key,
        row.version,
        row.name,
        row.kind,
        row.document,
        row.document_hash,
        as_utc(row.published_at),
        row.published_by,
    )


def check_key(key: str) -> str:
    if not PRODUCT_KEY.match(key):
        raise BadRequest(
            f"product key {key!r} must be 2-64 of a-z, 0-9 and '-', starting alphanumeric", argument="key"
        )
    return key


class ProductBook:
    """The tenants' product versions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], audit: AuditLog) -> None:
        self._sessions = sessions
        self._audit = audit

    async def publish(
        self,
        *,
        tenant_id: str,
        key: str,
        name: str,
        kind: str,
        document: Mapping[str, Any],
        document_hash: str,
        client_id: str | None,
    ) -> PublishedVersion:
        """Write version n + 1 of ``key`` (the caller checked the document); audited."""
        check_key(key)
        if kind not in KINDS:
            raise BadRequest(f"kind {kind!r} is not one of {', '.join(KINDS)}", argument="kind")
        if not name.strip() or len(name) > 200:
            raise BadRequest("name must be 1-200 characters", argument="name")
        for _ in range(PUBLISH_ATTEMPTS):
            try:
                published = await self._insert(
                    tenant_id, key, name.strip(), kind, dict(document), document_hash, client_id
                )
                break
            except IntegrityError:
                continue  # another publish of this key took the version: take the next
        else:
            raise BadRequest(f"product {key} is being published concurrently; try again", argument="key")
        await self._audit.append(
            [
                AuditEntry(
                    AuditEvent.PRODUCT_PUBLISHED,
                    tenant_id,
                    client_id,
                    None,
                    (),
                    document_hash,
                    f"{key} v{published.version}",
                )
            ]
        )
        return published

    async def _insert(
        self,
        tenant_id: str,
        key: str,
        name: str,
        kind: str,
        document: dict[str, Any],
        document_hash: str,
        client_id: str | None,
    ) -> PublishedVersion:
        async with self._sessions() as session, session.begin():
            await ensure_tenant(session, tenant_id)
            latest = await session.scalar(
                select(func.max(ProductVersion.version)).where(
                    ProductVersion.tenant_id == tenant_id, ProductVersion.key == key
                )
            )
            row = ProductVersion(
                tenant_id=tenant_id,
                key=key,
                version=(latest or 0) + 1,
                name=name,
                kind=kind,
                document=document,
                document_hash=document_hash,
                published_at=datetime.now(UTC),
                published_by=client_id,
            )
            session.add(row)
            await session.flush()
            return _version(row)

    async def versions(self, tenant_id: str, key: str | None = None) -> list[PublishedVersion]:
        """The tenant's versions (of ``key``), by key then version."""
        query = select(ProductVersion).where(ProductVersion.tenant_id == tenant_id)
        if key is not None:
            query = query.where(ProductVersion.key == key)
        async with self._sessions() as session:
            rows = (await session.scalars(query.order_by(ProductVersion.key, ProductVersion.version))).all()
        return [_version(row) for row in rows]

    async def version(self, tenant_id: str, key: str, version: int | None = None) -> PublishedVersion:
        """One version (the latest when ``version`` is None); NOT_FOUND naming what is missing."""
        query = select(ProductVersion).where(ProductVersion.tenant_id == tenant_id, ProductVersion.key == key)
        if version is not None:
            query = query.where(ProductVersion.version == version)
        async with self._sessions() as session:
            row = await session.scalar(query.order_by(ProductVersion.version.desc()).limit(1))
        if row is None:
            what = f"version {version} of product {key}" if version is not None else f"product {key}"
            raise NotFound(f"your tenant has no {what}", product=key, version=version)
        return _version(row)


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    id: str
    tenant_id: str
    client_id: str
    credit_code: str
    product_key: str
    product_version: int
    evaluated_at: datetime
    decision: str
    credit_line_yuan: str | None
    inputs: list[dict[str, Any]]
    outcome: dict[str, Any]
    verification_parameters: Mapping[str, Mapping[str, float]] | None = None


class _Previous(TypedDict):
    """The values of the query for the decisions just before a batch (:func:`_latest_decisions_query`)."""

    tenant: str
    codes: list[str]
    product: str
    before: datetime


def _previous(tenant_id: str, product_key: str, codes: list[str], before: datetime) -> _Previous:
    return {"tenant": tenant_id, "codes": codes, "product": product_key, "before": before}


ASSESSMENT_COLUMNS = (
    "id",
    "tenant_id",
    "client_id",
    "credit_code",
    "product_key",
    "product_version",
    "evaluated_at",
    "decision",
    "credit_line_yuan",
    "inputs",
    "outcome",
)


@dataclass(frozen=True, slots=True)
class _Slot:
    """Where a value of the previous-decisions query goes in its expanded statement."""

    name: str
    index: int = 0


PREVIOUS_SHAPES_KEPT = 256  # expanded statements kept, one per number of codes (a batch is at most 100)


class _SqliteWriter:
    """Assessments written to a SQLite file in one worker-thread hop, by the driver's own calls (through
    aiosqlite each statement of the transaction is a hop of its own: most of an assessment's cost)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = engine.dialect
        self._sql = str(insert(Assessment).compile(dialect=dialect, column_keys=list(ASSESSMENT_COLUMNS)))
        columns = Assessment.__table__.c
        self._processors = [
            columns[name].type.dialect_impl(dialect).bind_processor(dialect) for name in ASSESSMENT_COLUMNS
        ]
        self._previous = _latest_decisions_query(True).compile(dialect=dialect)
        self._previous_by_count: dict[int, tuple[str, tuple[object, ...]]] = {}
        self._stored_time = self._processors[ASSESSMENT_COLUMNS.index("evaluated_at")]

    def close(self) -> None:
        self._engine.dispose()

    async def write(self, rows: Sequence[dict[str, Any]], previous: _Previous) -> list[tuple[str, str]]:
        values = [
            tuple(
                process(row[name]) if process is not None else row[name]
                for name, process in zip(ASSESSMENT_COLUMNS, self._processors, strict=True)
            )
            for row in rows
        ]
        before = previous["before"]
        values_of: dict[str, Any] = {
            "tenant": previous["tenant"],
            "product": previous["product"],
            "before": self._stored_time(before) if self._stored_time is not None else before,
        }
        codes = previous["codes"]
        statement, slots = self._previous_statement(len(codes))
        parameters = [
            (codes[slot.index] if slot.name == "codes" else values_of[slot.name])
            if isinstance(slot, _Slot)
            else slot
            for slot in slots
        ]
        return await asyncio.to_thread(self._write, values, statement, parameters)

    def _previous_statement(self, count: int) -> tuple[str, tuple[object, ...]]:
        """The previous-decisions query expanded for ``count`` codes, with a slot where each value goes
        (its constants as they are): expanding it anew for every assessment was a tenth of its CPU."""
        found = self._previous_by_count.get(count)
        if found is None:
            slots = {name: _Slot(name) for name in ("tenant", "product", "before")}
            expanded = self._previous.construct_expanded_state(
                {**slots, "codes": [_Slot("codes", index) for index in range(count)]}
            )
            found = (expanded.statement, tuple(expanded.positional_parameters))
            if len(self._previous_by_count) < PREVIOUS_SHAPES_KEPT:
                self._previous_by_count[count] = found
        return found

    def _write(
        self, values: list[tuple[Any, ...]], previous_sql: str, previous_values: Sequence[Any]
    ) -> list[tuple[str, str]]:
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            found = [(code, decision) for code, _, decision in cursor.execute(previous_sql, previous_values)]
            cursor.executemany(self._sql, values)
            connection.commit()
            return found
        except sqlite3.Error as error:
            connection.rollback()
            raise DBAPIError.instance(self._sql, None, error, sqlite3.Error) from error
        finally:
            connection.close()


class AssessmentBook:
    """Assessments, written once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        engine = sync_sqlite_engine(sessions)
        self._sqlite = _SqliteWriter(engine) if engine is not None else None

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()

    async def save(self, assessments: Sequence[StoredAssessment]) -> dict[str, str]:
        """All of them in one transaction (a batch is stored whole or not at all); all of one tenant, product
        and time. Returns each firm's decision under the product just before (firms assessed under it for
        the first time left out), read in the transaction that writes: what tells ``assessment.changed``
        without another read."""
        if not assessments:
            return {}
        first = assessments[0]
        if any(
            (stored.tenant_id, stored.product_key, stored.evaluated_at)
            != (first.tenant_id, first.product_key, first.evaluated_at)
            for stored in assessments
        ):
            raise ValueError("a batch of assessments is of one tenant, product and time")
        previous = _previous(
            first.tenant_id,
            first.product_key,
            [stored.credit_code for stored in assessments],
            first.evaluated_at,
        )
        rows = [
            {
                "id": stored.id,
                "tenant_id": stored.tenant_id,
                "client_id": stored.client_id,
                "credit_code": stored.credit_code,
                "product_key": stored.product_key,
                "product_version": stored.product_version,
                "evaluated_at": stored.evaluated_at,
                "decision": stored.decision,
                "credit_line_yuan": stored.credit_line_yuan,
                "inputs": {
                    "reads": stored.inputs,
                    **(
                        {"verificationParameters": stored.verification_parameters}
                        if stored.verification_parameters is not None
                        else {}
                    ),
                },
                "outcome": stored.outcome,
            }
            for stored in assessments
        ]
        if self._sqlite is not None:
            return dict(await self._sqlite.write(rows, previous))
        # A Core insert: the ORM's unit of work would cost more than the rules took.
        async with self._sessions() as session, session.begin():
            found = (await session.execute(_latest_decisions_query(True), dict(previous))).all()
            await session.execute(insert(Assessment), rows)
        return {code: decision for code, _, decision in found}

    async def decisions_before(
        self, tenant_id: str, product_key: str, credit_codes: Sequence[str], before: datetime
    ) -> dict[str, str]:
        """Each firm's decision under the product in the tenant's newest assessment before ``before``
        (firms without one left out)."""
        if not credit_codes:
            return {}
        values = _previous(tenant_id, product_key, list(credit_codes), before)
        async with self._sessions() as session:
            rows = (await session.execute(_latest_decisions_query(True), dict(values))).all()
        return {code: decision for code, _, decision in rows}

    async def latest_decisions(
        self, tenant_id: str, credit_codes: Sequence[str]
    ) -> dict[tuple[str, str], str]:
        """(firm, product key) → the decision of the tenant's newest assessment of it: the products a
        re-assessment of the firm runs again."""
        if not credit_codes:
            return {}
        values = {"tenant": tenant_id, "codes": list(credit_codes)}
        async with self._sessions() as session:
            rows = (await session.execute(_latest_decisions_query(False), values)).all()
        return {(code, key): decision for code, key, decision in rows}

    async def get(self, tenant_id: str, assessment_id: str) -> StoredAssessment:
        async with self._sessions() as session:
            row = await session.get(Assessment, assessment_id)
        if row is None or row.tenant_id != tenant_id:
            raise NotFound(f"your tenant has no assessment {assessment_id}", id=assessment_id)
        return StoredAssessment(
            row.id,
            row.tenant_id,
            row.client_id,
            row.credit_code,
            row.product_key,
            row.product_version,
            as_utc(row.evaluated_at),
            row.decision,
            row.credit_line_yuan,
            list(row.inputs.get("reads", [])),
            row.outcome,
            row.inputs.get("verificationParameters"),
        )


@functools.cache
def _latest_decisions_query(before_in_product: bool) -> Select[tuple[Any, Any, Any]]:
    """The query of :meth:`AssessmentBook.latest_decisions`, or (``before_in_product``) of the decisions
    :meth:`AssessmentBook.save` compares with: of one product, made before a time. Built once per shape
    with bound values: built per call, the window query's construction and compilation were most of its
    CPU."""
    newest = func.row_number().over(
        partition_by=(Assessment.credit_code, Assessment.product_key),
        order_by=Assessment.evaluated_at.desc(),
    )
    ranked = select(
        Assessment.credit_code, Assessment.product_key, Assessment.decision, newest.label("rank")
    ).where(
        Assessment.tenant_id == bindparam("tenant"),
        Assessment.credit_code.in_(bindparam("codes", expanding=True)),
    )
    if before_in_product:
        ranked = ranked.where(
            Assessment.product_key == bindparam("product"), Assessment.evaluated_at < bindparam("before")
        )
    inner = ranked.subquery()
    return select(inner.c.credit_code, inner.c.product_key, inner.c.decision).where(inner.c.rank == 1)

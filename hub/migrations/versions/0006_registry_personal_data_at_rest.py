"""registry snapshots without clear personal data: masked values and keyed hashes

Registry snapshots kept the legal representative's ID number and phone in clear. Each one is rewritten as
the registry mapping now makes it (connectors/registry_source.py): the values masked as the hub serves them
and their keyed hashes under the personal-data key, loaded from the settings as the hub loads it (dev: the
generated ./var/personal-data.key; prod: HUB_PERSONAL_DATA_KEY_FILE, required). The key is read only when
there is something to rewrite.

The content hash of a snapshot is the sha256 of its canonical JSON, and (source, credit_code, content_hash)
is unique: each rewritten row gets the hash of its new content, the one a fetch of the same data makes now,
so the next fetch confirms the row instead of adding one. Two old rows that become the same content are
merged into the first (first seen at the earlier time, checked at the later).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import context, op

from connectors.personal_data import PersonalDataHasher, mask_id_number, mask_phone
from foundation.settings import Settings, load_settings
from hub.personal_data import load_personal_data_hasher

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

snapshot = sa.table(
    "snapshot",
    sa.column("id", sa.BigInteger()),
    sa.column("source", sa.String()),
    sa.column("credit_code", sa.String()),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
    sa.column("checked_at", sa.DateTime(timezone=True)),
    sa.column("content_hash", sa.String()),
    sa.column("payload", sa.JSON()),
)
REGISTRY = snapshot.c.source == "registry"


@dataclass
class _Row:
    id: int
    credit_code: str
    content_hash: str
    payload: dict[str, Any]
    fetched_at: datetime
    checked_at: datetime
    changed: bool


def _holds_clear_values(payload: object) -> bool:
    person = payload.get("legal_representative") if isinstance(payload, dict) else None
    return isinstance(person, dict) and "id_number" in person and "phone" in person


def _rewritten(payload: dict[str, Any], hasher: PersonalDataHasher) -> dict[str, Any]:
    person = payload["legal_representative"]
    id_number, phone = str(person["id_number"]), str(person["phone"])
    representative = {
        "name": person["name"],
        "id_number_masked": mask_id_number(id_number),
        "phone_masked": mask_phone(phone),
        "id_number_hash": hasher.id_number(id_number),
        "phone_hash": hasher.phone(phone),
    }
    return {**payload, "legal_representative": representative}


def _content_hash(payload: dict[str, Any]) -> str:
    # The bytes of hub.sources.snapshots.canonical_json: sorted keys, no spaces, UTF-8.
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _settings() -> Settings:
    """The settings ``hub db upgrade`` runs with; the environment's when Alembic is run another way."""
    given = context.config.attributes.get("settings")
    return given if isinstance(given, Settings) else load_settings()


def upgrade() -> None:
    bind = op.get_bind()
    query = sa.select(
        snapshot.c.id,
        snapshot.c.credit_code,
        snapshot.c.content_hash,
        snapshot.c.payload,
        snapshot.c.fetched_at,
        snapshot.c.checked_at,
    ).where(REGISTRY)
    rows = [_Row(*row, changed=False) for row in bind.execute(query.order_by(snapshot.c.id))]
    if not any(_holds_clear_values(row.payload) for row in rows):
        return
    hasher = load_personal_data_hasher(_settings())
    kept: dict[tuple[str, str], _Row] = {}
    merged: list[int] = []
    for row in rows:
        if _holds_clear_values(row.payload):
            row.payload = _rewritten(row.payload, hasher)
            row.content_hash = _content_hash(row.payload)
            row.changed = True
        first = kept.setdefault((row.credit_code, row.content_hash), row)
        if first is not row:
            first.fetched_at = min(first.fetched_at, row.fetched_at)
            first.checked_at = max(first.checked_at, row.checked_at)
            first.changed = True
            merged.append(row.id)
    # Merged rows go first: a row taking a content hash must not meet the row that held it.
    if merged:
        bind.execute(sa.delete(snapshot).where(snapshot.c.id.in_(merged)))
    changed = [row for row in kept.values() if row.changed]
    if changed:
        bind.execute(
            sa.update(snapshot)
            .where(snapshot.c.id == sa.bindparam("row_id"))
            .values(
                content_hash=sa.bindparam("new_hash"),
                payload=sa.bindparam("new_payload", type_=sa.JSON()),
                fetched_at=sa.bindparam("first_seen", type_=sa.DateTime(timezone=True)),
                checked_at=sa.bindparam("last_checked", type_=sa.DateTime(timezone=True)),
            ),
            [
                {
                    "row_id": row.id,
                    "new_hash": row.content_hash,
                    "new_payload": row.payload,
                    "first_seen": row.fetched_at,
                    "last_checked": row.checked_at,
                }
                for row in changed
            ],
        )


def downgrade() -> None:
    """The clear values cannot come back, and the code before 0006 cannot read a record without them:
    the registry snapshots are removed (the next fetch or ``hub sync`` writes them again)."""
    op.get_bind().execute(sa.delete(snapshot).where(REGISTRY))

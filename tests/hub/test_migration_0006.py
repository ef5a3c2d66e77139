"""Migration 0006 rewrites registry snapshots holding clear personal data as the mapping makes them now."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from connectors.personal_data import PersonalDataHasher
from connectors.records import RegistryRecord
from foundation.settings import Settings
from foundation.storage import as_utc, create_engine, create_session_factory
from foundation.storage.models import Snapshot
from hub.migrate import upgrade
from hub.sources.snapshots import PendingSnapshot, payload_hash, save_snapshots
from tests.fixtures.backends import POSTGRES_URL, require_service

KEY = bytes(range(32))
FIRM, OTHER = "9133040285WK93385D", "91330100AY4CL12T2Y"
T0 = datetime(2026, 11, 1, 8, tzinfo=UTC)
# Fields the record gained after 0006, each with a default so that older rows still load: a fetch at the
# time of 0006 made the record without them.
ADDED_SINCE = {"shareholders", "senior_managers", "credit_code_agrees"}


def old_registry_payload(credit_code: str, id_number: str, phone: str) -> dict[str, Any]:
    """A registry record's JSON form as the hub stored it before 0006."""
    return {
        "credit_code": credit_code,
        "name": "嘉兴瑞明塑料制品有限公司",
        "legal_form": "limited_liability_company",
        "registered_capital_yuan": "300000.00",
        "founded_on": "2020-05-04",
        "industry": "plastics",
        "industry_code": "C29",
        "address": "浙江省嘉兴市南湖区建设路1452号",
        "status": "active",
        "legal_representative": {"name": "测试人", "id_number": id_number, "phone": phone},
        "is_core": False,
    }


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        return
    require_service(POSTGRES_URL, 5432, "PostgreSQL")
    name = f"hub_migrate_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    yield urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(sql: str) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(sql))
    await engine.dispose()


async def _write(settings: Settings, snapshots: list[PendingSnapshot]) -> None:
    engine = create_engine(settings)
    await save_snapshots(create_session_factory(engine), snapshots)
    await engine.dispose()


async def _read(settings: Settings) -> list[Snapshot]:
    engine = create_engine(settings)
    async with create_session_factory(engine)() as session:
        rows = list((await session.execute(select(Snapshot).order_by(Snapshot.id))).scalars())
    await engine.dispose()
    return rows


def test_registry_snapshots_keep_masks_and_keyed_hashes_only(database_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "personal-data.key"
    key_file.write_text(base64.b64encode(KEY).decode())
    settings = Settings(env="prod", database_url=database_url, personal_data_key_file=key_file)
    upgrade(settings, "0005")
    firm = old_registry_payload(FIRM, "33040219900101123X", "138 0013 8000")
    # The same person written another way: the same masks and hashes, so one snapshot after 0006.
    firm_again = old_registry_payload(FIRM, "33040219900101123X", "138-0013-8000")
    other = old_registry_payload(OTHER, "330102198001011234", "13900139000")
    tax = {"credit_code": FIRM, "grade": "A"}
    asyncio.run(
        _write(
            settings,
            [
                PendingSnapshot("registry", FIRM, payload_hash(firm), firm, T0),
                PendingSnapshot(
                    "registry", FIRM, payload_hash(firm_again), firm_again, T0 + timedelta(days=2)
                ),
                PendingSnapshot("registry", OTHER, payload_hash(other), other, T0),
                PendingSnapshot("tax", FIRM, payload_hash(tax), tax, T0),
            ],
        )
    )

    upgrade(settings)

    rows = asyncio.run(_read(settings))
    assert [(row.source, row.credit_code) for row in rows] == [
        ("registry", FIRM),
        ("registry", OTHER),
        ("tax", FIRM),
    ]
    hasher = PersonalDataHasher(KEY)
    merged, _, untouched = rows
    assert merged.payload["legal_representative"] == {
        "name": "测试人",
        "id_number_masked": "330402********123X",
        "phone_masked": "138******8000",
        "id_number_hash": hasher.id_number("33040219900101123X"),
        "phone_hash": hasher.phone("13800138000"),
    }
    assert (as_utc(merged.fetched_at), as_utc(merged.checked_at)) == (T0, T0 + timedelta(days=2))
    for row in rows[:2]:
        record = RegistryRecord.model_validate(row.payload)
        # what a fetch of it made then
        assert row.content_hash == payload_hash(record.model_dump(mode="json", exclude=ADDED_SINCE))
        assert record.shareholders == () and record.credit_code_agrees is None
        assert "33040219900101123X" not in str(row.payload) and "0013" not in str(row.payload)
    assert untouched.payload == tax and untouched.content_hash == payload_hash(tax)


def test_a_database_without_clear_values_needs_no_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    upgrade(Settings(env="prod", database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"))
    assert not (tmp_path / "var").exists()


def test_prod_without_the_key_stops_the_rewrite_naming_the_setting(tmp_path: Path) -> None:
    settings = Settings(env="prod", database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    upgrade(settings, "0005")
    firm = old_registry_payload(FIRM, "33040219900101123X", "13800138000")
    asyncio.run(_write(settings, [PendingSnapshot("registry", FIRM, payload_hash(firm), firm, T0)]))
    with pytest.raises(ValueError, match="HUB_PERSONAL_DATA_KEY_FILE is required"):
        upgrade(settings)
    assert "33040219900101123X" in str(asyncio.run(_read(settings))[0].payload)  # nothing half-done

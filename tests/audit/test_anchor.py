"""The anchor file: every checkpoint the hub signs is appended to it, and the log is held to it. The attacks
of a database writer pass verification without it and fail with it, naming what is missing or rewritten."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs

from audit.chain import AuditEvent
from audit.checkpoints import CheckpointSigner, read_checkpoint_file
from audit.log import AuditEntry, AuditLog
from foundation.settings import Settings
from foundation.signing_keys import KeyFile
from foundation.storage.models import AuditCheckpoint
from tests.audit.audit_attacks import Attack, delete_tail, delete_whole_log, rewrite_and_rechain
from tests.fixtures.backends import Backend
from tests.fixtures.hub import Hub


def _entry(number: int) -> AuditEntry:
    return AuditEntry(AuditEvent.DATA_ACCESS, "bank-a", "cl-1", None, ("tax",), f"{number:064x}", "served")


def _log(
    sessions: async_sessionmaker[AsyncSession], key_file: Path, anchor: Path | None, every: int = 5
) -> AuditLog:
    signer = CheckpointSigner(KeyFile(key_file, token_ttl_s=900))
    return AuditLog(sessions, signer=signer, checkpoint_every=every, anchor_file=anchor)


async def _append(log: AuditLog, count: int) -> None:
    for number in range(count):
        await log.append([_entry(number)])


async def test_automatic_checkpoints_are_appended_as_exported_lines(
    sessions: async_sessionmaker[AsyncSession], key_file: Path, tmp_path: Path
) -> None:
    anchor = tmp_path / "anchor" / "audit-anchor.jsonl"
    log = _log(sessions, key_file, anchor)
    await _append(log, 12)
    async with sessions() as session:
        recorded = (await session.scalars(select(AuditCheckpoint.jws).order_by(AuditCheckpoint.id))).all()
    assert anchor.read_text().splitlines() == recorded
    assert [checkpoint.seq for checkpoint in read_checkpoint_file(anchor)] == [5, 10]
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600
    result = await log.verify()
    assert result.ok and result.checkpoints_checked == 4 and result.anchored_seq == 10


async def test_a_manual_checkpoint_is_anchored_too(
    sessions: async_sessionmaker[AsyncSession], key_file: Path, tmp_path: Path
) -> None:
    anchor = tmp_path / "audit-anchor.jsonl"
    log = _log(sessions, key_file, anchor, every=1000)
    await _append(log, 3)
    assert not anchor.exists() and (await log.verify()).anchored_seq is None
    checkpoint = await log.checkpoint()
    assert [line.seq for line in read_checkpoint_file(anchor)] == [checkpoint.seq] == [3]


ATTACKS: list[tuple[str, Attack, int, str]] = [
    (
        "rewrite-and-rechain",
        rewrite_and_rechain(7),
        10,
        "the row differs from {anchor} line 2 (seq 10, signed",
    ),
    ("delete-tail", delete_tail(7), 8, "rows 8 to 10 are missing (the log ends at seq 7): {anchor} line 2"),
    ("delete-whole-log", delete_whole_log, 1, "rows 1 to 10 are missing (the log is empty): {anchor} line 2"),
]


@pytest.mark.parametrize(
    ("attack", "bad_seq", "reason"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS]
)
async def test_a_database_writer_is_caught_only_by_the_anchor(
    sessions: async_sessionmaker[AsyncSession],
    key_file: Path,
    tmp_path: Path,
    attack: Attack,
    bad_seq: int,
    reason: str,
) -> None:
    anchor = tmp_path / "audit-anchor.jsonl"
    await _append(_log(sessions, key_file, anchor), 12)  # checkpoints at 5 and 10, both anchored
    await attack(sessions)
    assert (await _log(sessions, key_file, None).verify()).ok  # the database alone cannot tell
    result = await _log(sessions, key_file, anchor).verify()
    assert (result.ok, result.bad_seq) == (False, bad_seq)
    assert reason.format(anchor=anchor) in (result.reason or "")


async def test_a_rewrite_is_placed_between_the_anchored_checkpoints(
    sessions: async_sessionmaker[AsyncSession], key_file: Path, tmp_path: Path
) -> None:
    anchor = tmp_path / "audit-anchor.jsonl"
    await _append(_log(sessions, key_file, anchor), 12)
    await rewrite_and_rechain(7)(sessions)
    result = await _log(sessions, key_file, anchor).verify()
    assert "the log was rewritten within rows 6 to 10 and its chain recomputed" in (result.reason or "")


async def test_the_rows_after_the_newest_checkpoint_rest_on_the_chain_alone(
    sessions: async_sessionmaker[AsyncSession], key_file: Path, tmp_path: Path
) -> None:
    # The documented limit: until the next checkpoint, the tail can be rewritten or cut unnoticed.
    anchor = tmp_path / "audit-anchor.jsonl"
    await _append(_log(sessions, key_file, anchor), 12)
    await rewrite_and_rechain(11)(sessions)
    await delete_tail(11)(sessions)
    result = await _log(sessions, key_file, anchor).verify()
    assert result.ok and result.head is not None and result.head[0] == 11 and result.anchored_seq == 10


async def test_a_failed_append_is_logged_and_the_rows_stay(
    sessions: async_sessionmaker[AsyncSession], key_file: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    log = _log(sessions, key_file, blocker / "audit-anchor.jsonl")
    with capture_logs() as events:
        await _append(log, 6)
    assert log.anchor_failures == 1
    [event] = [event for event in events if event["event"] == "audit_anchor_append_failed"]
    assert event["log_level"] == "error" and event["seq"] == 5
    assert event["anchor_file"] == str(blocker / "audit-anchor.jsonl")
    async with sessions() as session:
        [jws] = (await session.scalars(select(AuditCheckpoint.jws))).all()
    assert jws not in str(event)
    result = await _log(sessions, key_file, None).verify()
    assert result.ok and result.rows_checked == 6


@pytest.fixture
def anchor_file(tmp_path: Path) -> Path:
    return tmp_path / "anchor" / "audit-anchor.jsonl"


@pytest.fixture
def auth_settings(backend: Backend, key_file: Path, anchor_file: Path) -> Settings:
    return backend.settings(signing_key_file=key_file, audit_anchor_file=anchor_file)


async def test_the_hub_appends_its_checkpoints_to_the_configured_anchor(hub: Hub, anchor_file: Path) -> None:
    await hub.services.auth.audit.append([_entry(number) for number in range(100)])
    [checkpoint] = read_checkpoint_file(anchor_file)
    assert checkpoint.seq == 100

"""Signed checkpoints: a truncated or rewritten tail fails verification, naming the checkpoint it breaks."""

from __future__ import annotations

from pathlib import Path

import pytest
from joserfc.jwk import ECKey
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.checkpoints import (
    CheckpointSigner,
    SignatureCheck,
    check_signature,
    export_checkpoint,
    read_checkpoint_file,
    sign_checkpoint,
)
from audit.log import AuditEntry, AuditLog
from foundation.errors import BadRequest
from foundation.signing_keys import KeyFile, SigningKeys, read_key_file
from foundation.storage.models import AuditCheckpoint, AuditRecord


def _entry(number: int) -> AuditEntry:
    return AuditEntry(AuditEvent.DATA_ACCESS, "bank-a", "cl-1", None, ("tax",), f"{number:064x}", "served")


def _log(sessions: async_sessionmaker[AsyncSession], key_file: Path, every: int = 5) -> AuditLog:
    signer = CheckpointSigner(KeyFile(key_file, token_ttl_s=900))
    return AuditLog(sessions, signer=signer, checkpoint_every=every)


async def _append(log: AuditLog, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        await log.append([_entry(number)])


async def _delete(sessions: async_sessionmaker[AsyncSession], model: type, condition: object) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(model).where(condition))  # type: ignore[arg-type]


async def test_appends_write_a_checkpoint_every_n_rows(
    sessions: async_sessionmaker[AsyncSession], key_file: Path
) -> None:
    log = _log(sessions, key_file)
    await _append(log, 7)
    await log.append([_entry(n) for n in range(100, 105)])  # one group crossing the boundary at 10
    async with sessions() as session:
        seqs = (await session.scalars(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq))).all()
    assert seqs == [5, 12]
    result = await log.verify()
    assert result.ok and (result.rows_checked, result.checkpoints_checked) == (12, 2)
    assert result.unverified_signatures == 0


async def test_deleting_the_last_rows_fails_naming_the_checkpoint(
    sessions: async_sessionmaker[AsyncSession], key_file: Path
) -> None:
    log = _log(sessions, key_file)
    await _append(log, 11)
    await _delete(sessions, AuditRecord, AuditRecord.seq > 7)
    result = await log.verify()
    assert not result.ok and result.bad_seq == 8
    assert "rows 8 to 10 are missing (the log ends at seq 7)" in (result.reason or "")
    assert "checkpoint 2 (seq 10" in (result.reason or "")


async def test_a_rewritten_tail_differs_from_the_checkpoint(
    sessions: async_sessionmaker[AsyncSession], key_file: Path
) -> None:
    log = _log(sessions, key_file, every=1000)
    await _append(log, 6)
    checkpoint = await log.checkpoint()
    await _delete(sessions, AuditRecord, AuditRecord.seq > 3)
    await _append(AuditLog(sessions), 3, start=50)  # a well-formed chain again, but not the signed one
    result = await log.verify()
    assert (result.ok, result.bad_seq) == (False, 6)
    assert f"differs from checkpoint 1 (seq 6, signed {checkpoint.at:%Y-%m-%dT%H:%M:%SZ}" in (
        result.reason or ""
    )


async def test_an_exported_checkpoint_survives_the_deletion_of_the_table(
    sessions: async_sessionmaker[AsyncSession], key_file: Path, tmp_path: Path
) -> None:
    log = _log(sessions, key_file, every=1000)
    await _append(log, 4)
    exported = tmp_path / "anchors" / "audit.jws"
    export_checkpoint(exported, await log.checkpoint())
    await _delete(sessions, AuditRecord, AuditRecord.seq == 4)
    await _delete(sessions, AuditCheckpoint, AuditCheckpoint.id > 0)
    assert (await log.verify()).ok  # the database alone can no longer tell
    result = await log.verify(checkpoints=read_checkpoint_file(exported))
    assert result.bad_seq == 4 and f"{exported} line 1 (seq 4" in (result.reason or "")


async def test_verify_checkpoint_of_a_verified_head(
    sessions: async_sessionmaker[AsyncSession], key_file: Path
) -> None:
    log = _log(sessions, key_file, every=1000)
    await _append(log, 3)
    result = await log.verify()
    assert result.head is not None and result.head[0] == 3
    checkpoint = await log.checkpoint(result.head)
    assert (checkpoint.seq, checkpoint.row_hash) == result.head
    assert (await log.verify()).checkpoints_checked == 1


async def test_a_forged_checkpoint_fails_and_a_retired_keys_is_content_checked(
    sessions: async_sessionmaker[AsyncSession], key_file: Path
) -> None:
    log = _log(sessions, key_file, every=1000)
    await _append(log, 2)
    head = (await log.verify()).head
    assert head is not None
    real = read_key_file(key_file).current
    impostor = ECKey.import_key(
        ECKey.generate_key("P-256", private=True).as_dict(private=True, kid=real.kid, alg="ES256")
    )
    forged = sign_checkpoint(SigningKeys((impostor,)), seq=head[0], row_hash=head[1])
    assert check_signature(forged, read_key_file(key_file)) is SignatureCheck.INVALID
    result = await log.verify(checkpoints=[forged])
    assert not result.ok and "invalid signature" in (result.reason or "")

    retired = ECKey.import_key(
        ECKey.generate_key("P-256", private=True).as_dict(
            private=True, kid="20200101T000000000000Z-old", alg="ES256"
        )
    )
    old = sign_checkpoint(SigningKeys((retired,)), seq=head[0], row_hash=head[1])
    result = await log.verify(checkpoints=[old])
    assert result.ok and result.unverified_signatures == 1
    wrong = sign_checkpoint(SigningKeys((retired,)), seq=head[0], row_hash="0" * 64)
    assert (await log.verify(checkpoints=[wrong])).bad_seq == head[0]


async def test_an_empty_log_has_no_head_to_checkpoint(
    sessions: async_sessionmaker[AsyncSession], key_file: Path
) -> None:
    with pytest.raises(BadRequest, match="empty"):
        await _log(sessions, key_file).checkpoint()


async def test_without_a_signer_no_checkpoints_are_written(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _append(AuditLog(sessions, checkpoint_every=2), 5)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 0
    with pytest.raises(RuntimeError, match="no signer"):
        await AuditLog(sessions).checkpoint()


def test_a_malformed_checkpoint_file_names_its_line(tmp_path: Path, key_file: Path) -> None:
    path = tmp_path / "audit.jws"
    good = sign_checkpoint(read_key_file(key_file), seq=1, row_hash="a" * 64)
    path.write_text(f"{good.jws}\n\nnot-a-jws\n")
    with pytest.raises(BadRequest, match=r"audit.jws line 3 is not an audit checkpoint"):
        read_checkpoint_file(path)


def test_an_export_is_a_line_of_its_own_after_a_torn_one(tmp_path: Path, key_file: Path) -> None:
    path = tmp_path / "audit.jws"
    path.write_text("eyJ-torn-by-a-crash")
    checkpoint = sign_checkpoint(read_key_file(key_file), seq=1, row_hash="a" * 64)
    export_checkpoint(path, checkpoint)
    assert path.read_text().splitlines() == ["eyJ-torn-by-a-crash", checkpoint.jws]

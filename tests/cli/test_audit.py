"""``hub audit verify`` passes an intact chain and exits 1 naming the first tampered row; ``hub audit
checkpoint`` (or ``verify --checkpoint``) anchors the head: a truncated tail then fails, naming it. With
``HUB_AUDIT_ANCHOR_FILE`` the checkpoints also go to that file and verify holds the log to it by default;
in prod verify refuses to run without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import AuditEvent
from audit.log import AuditEntry, AuditLog
from foundation.signing_keys import rotate_key_file
from foundation.storage.models import AuditCheckpoint, AuditRecord
from tests.audit.audit_attacks import Attack, delete_tail, delete_whole_log, rewrite_and_rechain
from tests.cli.test_clients import run_hub
from tests.fixtures.backends import Backend


async def _log_of(sessions: async_sessionmaker[AsyncSession], rows: int) -> None:
    log = AuditLog(sessions)
    for number in range(rows):
        await log.append(
            [
                AuditEntry(
                    AuditEvent.DATA_ACCESS,
                    "bank-a",
                    "cl-1",
                    "91330100MA2B3C4D5E",
                    ("tax",),
                    f"{number:064x}",
                    "served",
                )
            ]
        )


async def test_intact_chain_passes(backend: Backend, sessions: async_sessionmaker[AsyncSession]) -> None:
    await _log_of(sessions, 4)
    result = await run_hub(backend, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "4 rows verified" in result.stdout
    assert (
        "warning: no audit anchor configured (HUB_AUDIT_ANCHOR_FILE): a rewritten or truncated log cannot "
        "be detected; the log's tail is unanchored"
    ) in result.stderr


async def test_altered_row_fails_and_is_named(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _log_of(sessions, 5)
    async with sessions.begin() as session:
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(tenant_id="bank-b"))
    result = await run_hub(backend, "audit", "verify")
    assert result.exit_code == 1
    assert "first bad row seq 3" in result.stderr


async def test_removed_row_fails_and_is_named(
    backend: Backend, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _log_of(sessions, 5)
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    result = await run_hub(backend, "audit", "verify")
    assert result.exit_code == 1
    assert "first bad row seq 2" in result.stderr and "missing" in result.stderr


@pytest.fixture
def key_env(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "signing-keys.json"
    rotate_key_file(path, token_ttl_s=900)
    return {"HUB_SIGNING_KEY_FILE": str(path)}


async def test_checkpoint_then_truncated_tail_fails_naming_it(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], key_env: dict[str, str]
) -> None:
    await _log_of(sessions, 6)
    recorded = await run_hub(backend, "audit", "checkpoint", **key_env)
    assert recorded.exit_code == 0, recorded.output
    assert "recorded checkpoint 1 (seq 6" in recorded.stdout
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq >= 5))
    result = await run_hub(backend, "audit", "verify", **key_env)
    assert result.exit_code == 1
    assert "first bad row seq 5: rows 5 to 6 are missing" in result.stderr
    assert "checkpoint 1 (seq 6" in result.stderr


async def test_verify_checkpoint_exports_and_against_catches_a_wiped_table(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], key_env: dict[str, str], tmp_path: Path
) -> None:
    await _log_of(sessions, 3)
    exported = tmp_path / "audit-checkpoints.jws"
    first = await run_hub(backend, "audit", "verify", "--export", str(exported), **key_env)
    assert first.exit_code == 0, first.output
    assert "3 rows verified, 0 checkpoints held" in first.stdout and f"exported to {exported}" in first.stdout
    async with sessions.begin() as session:
        await session.execute(delete(AuditRecord).where(AuditRecord.seq == 3))
        await session.execute(delete(AuditCheckpoint))
    blind = await run_hub(backend, "audit", "verify", **key_env)
    assert blind.exit_code == 0  # rows and checkpoints deleted together: the database alone cannot tell
    anchored = await run_hub(backend, "audit", "verify", "--against", str(exported), **key_env)
    assert anchored.exit_code == 1
    assert f"{exported} line 1 (seq 3" in anchored.stderr


async def test_checkpoint_of_an_empty_log_and_a_bad_file_are_errors(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], key_env: dict[str, str], tmp_path: Path
) -> None:
    empty = await run_hub(backend, "audit", "checkpoint", **key_env)
    assert empty.exit_code == 2 and "audit log is empty" in empty.stderr
    garbage = tmp_path / "garbage.jws"
    garbage.write_text("hello\n")
    bad = await run_hub(backend, "audit", "verify", "--against", str(garbage), **key_env)
    assert bad.exit_code == 2 and "line 1 is not an audit checkpoint" in bad.stderr


async def test_prod_without_an_anchor_refuses_to_verify(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], key_env: dict[str, str]
) -> None:
    await _log_of(sessions, 2)
    result = await run_hub(backend, "audit", "verify", HUB_ENV="prod", **key_env)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: no audit anchor configured (HUB_AUDIT_ANCHOR_FILE): a rewritten or truncated log cannot "
        "be detected"
    )


@pytest.fixture
def anchor_env(tmp_path: Path, key_env: dict[str, str]) -> dict[str, str]:
    return {**key_env, "HUB_AUDIT_ANCHOR_FILE": str(tmp_path / "anchor" / "audit-anchor.jsonl")}


ATTACKS: list[tuple[str, Attack, str]] = [
    (
        "rewrite-and-rechain",
        rewrite_and_rechain(3),
        "first bad row seq 6: the row differs from {anchor} line 1 (seq 6, signed",
    ),
    ("delete-tail", delete_tail(4), "first bad row seq 5: rows 5 to 6 are missing (the log ends at seq 4)"),
    ("delete-whole-log", delete_whole_log, "first bad row seq 1: rows 1 to 6 are missing (the log is empty)"),
]


@pytest.mark.parametrize(("attack", "message"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
async def test_the_configured_anchor_catches_what_the_database_hides(
    backend: Backend,
    sessions: async_sessionmaker[AsyncSession],
    key_env: dict[str, str],
    anchor_env: dict[str, str],
    attack: Attack,
    message: str,
) -> None:
    await _log_of(sessions, 6)
    recorded = await run_hub(backend, "audit", "checkpoint", **anchor_env)
    assert recorded.exit_code == 0, recorded.output
    anchor = anchor_env["HUB_AUDIT_ANCHOR_FILE"]
    assert f"anchored in {anchor}" in recorded.stdout
    await attack(sessions)
    blind = await run_hub(backend, "audit", "verify", **key_env)
    assert blind.exit_code == 0, blind.output  # without the anchor, the database's word is all there is
    assert "the log's tail is unanchored" in blind.stderr
    anchored = await run_hub(backend, "audit", "verify", **anchor_env)
    assert anchored.exit_code == 1
    assert "audit log TAMPERED: " + message.format(anchor=anchor) in anchored.stderr


async def test_verify_says_how_far_the_anchor_reaches(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], anchor_env: dict[str, str]
) -> None:
    anchor = anchor_env["HUB_AUDIT_ANCHOR_FILE"]
    await _log_of(sessions, 2)
    empty = await run_hub(backend, "audit", "verify", **anchor_env)
    assert empty.exit_code == 0, empty.output
    assert f"warning: anchor {anchor} holds no checkpoint yet: rows 1 to 2 are unanchored" in empty.stderr
    first = await run_hub(backend, "audit", "verify", "--checkpoint", **anchor_env)
    assert first.exit_code == 0, first.output
    assert "recorded checkpoint 1 (seq 2" in first.stdout and f"anchored in {anchor}" in first.stdout
    await _log_of(sessions, 3)
    later = await run_hub(backend, "audit", "verify", **anchor_env)
    assert later.exit_code == 0, later.output
    assert (
        f"anchor {anchor}: anchored up to seq 2; rows 3 to 5 rest on the chain alone until the next "
        "checkpoint"
    ) in later.stdout


async def test_a_checkpoint_that_cannot_be_anchored_is_an_error(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], key_env: dict[str, str], tmp_path: Path
) -> None:
    await _log_of(sessions, 2)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    anchor = blocker / "audit-anchor.jsonl"
    result = await run_hub(backend, "audit", "checkpoint", HUB_AUDIT_ANCHOR_FILE=str(anchor), **key_env)
    assert result.exit_code == 2
    assert (
        "error: the checkpoint was recorded in the database but could not be appended to the anchor file "
        f"{anchor}"
    ) in result.stderr

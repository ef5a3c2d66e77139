"""``hub sync`` over real HTTP against a sandbox, on both backends: consent-bound refresh, connection
states, progress, summary, re-run, shards and worker processes."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from connectors.config import write_sandbox_sources_file
from foundation.storage.models import ConnectionState, Consent, Snapshot, Tenant
from hub.cli import app
from hub.cli.sync import WORKER_COMMAND
from sandbox.control import SandboxControl
from sandbox.runner import SandboxThread
from tests.fixtures.backends import Backend
from tests.fixtures.sources import SOURCE_NAMES

UNIVERSE_SIZE = 24
OUTSIDE_UNIVERSE = "91330100AY4CL12T2Y"


@pytest.fixture(scope="module")
def small_sandbox() -> Iterator[dict[str, str]]:
    """Registry and tax over a 24-firm universe."""
    runner = SandboxThread(size=UNIVERSE_SIZE, providers=["registry", "tax"])
    yield runner.start()
    runner.stop()


def write_sources_file(urls: dict[str, str], path: Path) -> Path:
    # Sources the tests do not sync point at a closed port: configured, never called.
    every_source = {source: urls.get(source, "http://127.0.0.1:9") for source in SOURCE_NAMES}
    return write_sandbox_sources_file(path, every_source, retries=1, backoff_initial_s=0.01)


@pytest.fixture
def sources_file(small_sandbox: dict[str, str], tmp_path: Path) -> Path:
    return write_sources_file(small_sandbox, tmp_path / "sources.toml")


async def run_sync(
    backend: Backend, sources_file: Path, *args: str, database_url: str | None = None
) -> Result:
    env = {
        "HUB_DATABASE_URL": database_url or backend.database_url,
        "HUB_CACHE_URL": backend.cache_url,
        "HUB_SOURCES_FILE": str(sources_file),
    }
    migrate = [] if database_url else ["--no-migrate"]  # the backend fixture made the tables already
    return await asyncio.to_thread(CliRunner().invoke, app, ["sync", *migrate, *args], env=env)


async def snapshots(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(select(Snapshot.source, func.count()).group_by(Snapshot.source))
        return {source: count for source, count in rows}


def summary_row(output: str, source: str) -> list[str]:
    """The cells of ``source``'s row in the summary table: fetched, unchanged, not found, failed, no
    consent."""
    line = next(line for line in output.splitlines() if line.startswith(f"│ {source} "))
    return [cell.strip() for cell in line.strip("│┃ ").split("│")][1:]


async def test_codes_then_rerun_writes_nothing_new(
    backend: Backend,
    sources_file: Path,
    small_sandbox: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    codes = await _codes(small_sandbox, 3)
    await consent(sessions, codes, "tax")
    first = await run_sync(backend, sources_file, *codes, "--sources", "registry,tax")
    assert first.exit_code == 0, first.output
    assert summary_row(first.stdout, "registry") == ["3", "0", "0", "0", "0"]
    assert summary_row(first.stdout, "tax") == ["3", "0", "0", "0", "0"]
    assert await snapshots(sessions) == {"registry": 3, "tax": 3}

    again = await run_sync(backend, sources_file, *codes, "--sources", "registry", "--sources", "tax")
    assert again.exit_code == 0, again.output
    assert summary_row(again.stdout, "registry") == ["0", "3", "0", "0", "0"]
    assert await snapshots(sessions) == {"registry": 3, "tax": 3}


async def test_given_codes_are_refreshed_only_where_consented_and_keep_connection_states(
    backend: Backend,
    sources_file: Path,
    small_sandbox: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    consented, unconsented = await _codes(small_sandbox, 2)
    await consent(sessions, [consented], "tax")
    result = await run_sync(backend, sources_file, consented, unconsented, "--sources", "registry,tax")
    assert result.exit_code == 0, result.output
    # Nobody consents to the second firm: neither of its sources is fetched (the registry follows any
    # consent), and the run says so.
    assert summary_row(result.stdout, "registry") == ["1", "0", "0", "0", "1"]
    assert summary_row(result.stdout, "tax") == ["1", "0", "0", "0", "1"]
    assert await snapshots(sessions) == {"registry": 1, "tax": 1}
    async with sessions() as session:
        states = {
            (state.credit_code, state.source): state.status
            for state in (await session.scalars(select(ConnectionState))).all()
        }
    assert states == {(consented, "registry"): "LINKED", (consented, "tax"): "LINKED"}


async def consent(
    sessions: async_sessionmaker[AsyncSession],
    codes: list[str],
    source: str,
    *,
    until: date | None = None,
    withdrawn: bool = False,
) -> None:
    today = date.today()
    async with sessions.begin() as session:
        if await session.get(Tenant, "bank-a") is None:
            session.add(Tenant(id="bank-a", name="Bank A", created_at=datetime.now(UTC)))
            await session.flush()
        session.add_all(
            Consent(
                tenant_id="bank-a",
                credit_code=code,
                source=source,
                valid_from=today - timedelta(days=30),
                valid_until=until or today + timedelta(days=30),
                evidence_ref="doc-1",
                granted_at=datetime.now(UTC),
                withdrawn_at=datetime.now(UTC) if withdrawn else None,
            )
            for code in codes
        )


async def consent_some(sessions: async_sessionmaker[AsyncSession], urls: dict[str, str]) -> list[str]:
    """10 of the 24 firms consent (7 to tax only: the registry follows any consent); 2 more did once."""
    codes = await _codes(urls, UNIVERSE_SIZE)
    await consent(sessions, codes[:7], "tax")
    await consent(sessions, codes[7:10], "registry")
    await consent(sessions, codes[10:11], "tax", withdrawn=True)
    await consent(sessions, codes[11:12], "registry", until=date.today() - timedelta(days=1))
    return codes[:10]


async def test_all_means_every_consented_firm_and_source(
    backend: Backend,
    sources_file: Path,
    small_sandbox: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await consent_some(sessions, small_sandbox)
    result = await run_sync(backend, sources_file, "--all", "--concurrency", "4")
    assert result.exit_code == 0, result.output
    assert summary_row(result.stdout, "registry") == ["10", "0", "0", "0", "0"]
    assert summary_row(result.stdout, "tax") == ["7", "0", "0", "0", "0"]
    assert summary_row(result.stdout, "electricity") == ["0", "0", "0", "0", "0"]  # nobody consents to it
    assert "17/17" in result.stderr  # the progress bar reached the end
    assert await snapshots(sessions) == {"registry": 10, "tax": 7}


async def test_firms_a_source_does_not_know_are_counted_and_failures_exit_non_zero(
    backend: Backend,
    sources_file: Path,
    small_sandbox: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    codes_file = tmp_path / "codes.txt"
    (code,) = await _codes(small_sandbox, 1)
    codes_file.write_text(f"# portfolio\n{code}\n\n{OUTSIDE_UNIVERSE}  # not registered\n", encoding="utf-8")
    await consent(sessions, [code, OUTSIDE_UNIVERSE], "electricity")
    known = await run_sync(backend, sources_file, "--from-file", str(codes_file), "--sources", "registry")
    # Not every firm is in every source (not every firm exports): not found is no failure.
    assert known.exit_code == 0, known.output
    assert summary_row(known.stdout, "registry") == ["1", "0", "1", "0", "0"]
    # Electricity points at a closed port in this file: each fetch fails, and the run says so.
    failing = await run_sync(
        backend, sources_file, "--from-file", str(codes_file), "--sources", "electricity"
    )
    assert failing.exit_code == 1, failing.output
    assert summary_row(failing.stdout, "electricity") == ["0", "0", "0", "2", "0"]


async def test_a_sync_migrates_a_new_database_first(
    backend: Backend, sources_file: Path, small_sandbox: dict[str, str], tmp_path: Path
) -> None:
    (code,) = await _codes(small_sandbox, 1)
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = await run_sync(backend, sources_file, code, "--sources", "registry", database_url=fresh)
    assert result.exit_code == 0, result.output
    assert summary_row(result.stdout, "registry") == ["0", "0", "0", "0", "1"]  # a new hub: no consents


async def test_workers_fetch_each_firm_and_source_once(
    backend: Backend,
    clean_sandbox: SandboxControl,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    codes = clean_sandbox.credit_codes(6)
    codes_file = tmp_path / "codes.txt"
    codes_file.write_text("\n".join(codes) + "\n", encoding="utf-8")
    every_source = write_sources_file(clean_sandbox.urls, tmp_path / "sources.toml")
    for source in SOURCE_NAMES:
        await consent(sessions, codes, source)

    result = await run_sync(backend, every_source, "--from-file", str(codes_file), "--workers", "2")

    assert result.exit_code == 0, result.output
    assert result.stdout.count("hub sync") == 1  # one summary for both workers
    # A source may know only some of the firms (customs: its exporters); the others are not found.
    known = {
        source: len(set(codes) & set(clean_sandbox.credit_codes(10_000, provider=source)))
        for source in SOURCE_NAMES
    }
    for source in SOURCE_NAMES:
        assert summary_row(result.stdout, source) == [
            str(known[source]),
            "0",
            str(6 - known[source]),
            "0",
            "0",
        ]
    steps = 6 * len(SOURCE_NAMES)
    assert f"{steps}/{steps}" in result.stderr  # one progress bar, fed by both workers
    assert clean_sandbox.stats("registry")["requests"] == {"/v1/enterprises/{creditCode}": 6}
    assert clean_sandbox.stats("tax")["requests"] == {"/api/tax/v1/taxpayers/{creditCode}/profile": 6}
    assert clean_sandbox.stats("electricity")["requests"]["/api/v2/accounts"] == 6
    assert await snapshots(sessions) == {source: count for source, count in known.items() if count}


async def test_shards_split_the_consented_firms(
    backend: Backend,
    sources_file: Path,
    small_sandbox: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await consent_some(sessions, small_sandbox)
    fetched = []
    for shard in ("1/2", "2/2"):
        result = await run_sync(backend, sources_file, "--all", "--sources", "registry", "--shard", shard)
        assert result.exit_code == 0, result.output
        fetched.append(int(summary_row(result.stdout, "registry")[0]))
    assert sum(fetched) == 10 and 0 < fetched[0] < 10
    assert await snapshots(sessions) == {"registry": 10}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "exactly one of them"),
        (("91330100AY4CL12T2X",), "check digit"),
        (("--all", "--sources", "weather"), "unknown source(s) weather"),
        (("--all", "--shard", "3/2"), "1 <= K <= N"),
        (("--all", "--shard", "half"), "expected K/N"),
        (("--all", "--workers", "2", "--shard", "1/2"), "not with --workers"),
        (("--all", "--workers", "2", "--enqueue"), "not with --enqueue"),
    ],
)
async def test_bad_arguments(
    backend: Backend, sources_file: Path, args: tuple[str, ...], message: str
) -> None:
    result = await run_sync(backend, sources_file, *args)
    assert result.exit_code == 2
    assert message in result.output


async def _codes(urls: dict[str, str], limit: int) -> list[str]:
    async with httpx.AsyncClient() as client:
        listing = (
            await client.get(f"{urls['registry']}/_sandbox/enterprises", params={"limit": limit})
        ).json()
    codes: list[str] = listing["creditCodes"]
    return codes


def test_a_worker_process_loads_the_sync_command_only() -> None:
    """Each ``--workers`` process starts with ``WORKER_COMMAND``: importing it must not load the server,
    schema or audit modules, nor alembic (a worker never migrates): ~0.6 s of CPU per worker."""
    probe = "; ".join(
        [
            WORKER_COMMAND[2].split(";")[0],  # the worker's import, without running it
            "import sys",
            "print(sorted(m for m in ('hub.app', 'schema.build', 'audit.log', 'hub.cli.demo', 'alembic')"
            " if m in sys.modules))",
        ]
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    help_text = subprocess.run([*WORKER_COMMAND, "--help"], capture_output=True, text=True, check=True)
    assert "--shard" in help_text.stdout

"""``hub sync``: refresh enterprises' source snapshots, with a progress bar and a summary per source.

With ``--workers N`` the command runs N worker processes of itself, each over one shard of the codes
(``--shard K/N``, which also works alone to spread a sync over machines) and each reporting in JSON lines
(hidden ``--progress jsonl``), and shows one progress bar and one summary for all of them.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connectors.catalog import load_catalog
from connectors.config import SourcesConfigError, load_source_configs
from connectors.source import SourceName
from foundation.credit_code.checked import checked_credit_code
from foundation.errors import BadCreditCode
from foundation.settings import Settings
from foundation.storage import create_engine, create_session_factory
from hub.cache import is_redis
from hub.cli.settings_option import settings_or_exit
from hub.connections.consented import consented_firms, count_consented
from hub.sources.sync import (
    FirmSources,
    ProgressLine,
    Shard,
    SyncOutcome,
    SyncSummary,
    codes_from_file,
    codes_in_shard,
    count_codes_in_file,
    given_codes,
    sync_enterprises,
)

# `-c` rather than `-m hub.cli` or the `hub` script: works wherever the parent could import the hub. Only
# the sync command is loaded in a worker (see `worker_main`).
WORKER_COMMAND = [sys.executable, "-c", "from hub.cli.sync import worker_main; worker_main()"]
WORKER_STOP_TIMEOUT_S = 10.0


class ProgressFormat(StrEnum):
    """``bar`` for people; ``jsonl`` for a worker's parent: a line per refresh, then the summary."""

    bar = "bar"
    jsonl = "jsonl"


@dataclass(frozen=True)
class Selection:
    """Which enterprises to refresh: given codes, every consented one (in its consented sources), or a
    file's codes."""

    codes: list[str]
    all_enterprises: bool
    from_file: Path | None

    def arguments(self) -> list[str]:
        """The same selection as ``hub sync`` arguments (for a worker)."""
        if self.all_enterprises:
            return ["--all"]
        if self.from_file is not None:
            return ["--from-file", str(self.from_file)]
        return ["--", *self.codes]

    async def total(self, sessions: async_sessionmaker[AsyncSession], chosen: list[SourceName]) -> int:
        """How many (firm, source) refreshes the selection makes."""
        if self.all_enterprises:
            return await count_consented(sessions, chosen, _consent_today())
        return (count_codes_in_file(self.from_file) if self.from_file else len(self.codes)) * len(chosen)

    def stream(
        self, sessions: async_sessionmaker[AsyncSession], chosen: list[SourceName]
    ) -> AsyncIterator[str | FirmSources]:
        if self.all_enterprises:
            return consented_firms(sessions, chosen, _consent_today())
        return codes_from_file(self.from_file) if self.from_file else given_codes(self.codes)


def _consent_today() -> date:
    from auth.consent import consent_today  # with the audit modules: loaded only for --all

    return consent_today()


def _chosen_sources(values: list[str] | None) -> list[SourceName]:
    names = [name.strip() for value in values or [] for name in value.split(",") if name.strip()]
    known = load_catalog().names
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise typer.BadParameter(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [source for source in known if source in names] or list(known)


def _valid_codes(codes: list[str]) -> list[str]:
    try:
        return [checked_credit_code(code) for code in codes]
    except BadCreditCode as error:
        raise typer.BadParameter(error.reason, param_hint="CODE") from None


def _parsed_shard(text: str | None) -> Shard | None:
    try:
        return None if text is None else Shard.parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--shard") from None


def sync(
    credit_codes: Annotated[
        list[str] | None, typer.Argument(metavar="CODE", help="Credit codes to refresh.")
    ] = None,
    all_enterprises: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every consented (firm, source): each firm some tenant holds a live consent of, in its "
            "consented sources (the registry, a public register: with any consent).",
        ),
    ] = False,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file", exists=True, dir_okay=False, help="Credit codes, one per line ('#': comment)."
        ),
    ] = None,
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", help="Sources to refresh, comma-separated or repeated (default: all)."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            max=512,
            help="Enterprises in flight per worker process (default HUB_SYNC_CONCURRENCY).",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Worker processes, one shard each.")
    ] = 1,
    shard: Annotated[
        str | None,
        typer.Option("--shard", metavar="K/N", help="Only shard K of N of the codes (stable hash)."),
    ] = None,
    enqueue: Annotated[
        bool,
        typer.Option(
            "--enqueue",
            help="Put refresh jobs on the job queue (HUB_JOBS_URL=redis://…, run by `hub worker`) "
            "instead of refreshing here; the jobs refresh consented sources only and keep connection "
            "states.",
        ),
    ] = False,
    progress: Annotated[ProgressFormat, typer.Option("--progress", hidden=True)] = ProgressFormat.bar,
    migrate: Annotated[bool, typer.Option(help="Run database migrations first.")] = True,
) -> None:
    """Refresh source snapshots; a re-run is safe (unchanged data writes nothing). Exit 1 on failures."""
    if sum((bool(credit_codes), all_enterprises, from_file is not None)) != 1:
        raise typer.BadParameter("give credit codes, --all or --from-file (exactly one of them)")
    chosen = _chosen_sources(sources)
    selection = Selection(_valid_codes(credit_codes or []), all_enterprises, from_file)
    only = _parsed_shard(shard)
    if workers > 1 and (only is not None or progress is ProgressFormat.jsonl):
        raise typer.BadParameter("not with --workers (it shards itself)", param_hint="--shard")
    if enqueue and workers > 1:
        raise typer.BadParameter(
            "not with --enqueue (the queue's workers share the jobs)", param_hint="--workers"
        )
    settings = settings_or_exit()
    if enqueue and not settings.jobs_url.startswith("redis"):
        typer.echo(
            "error: --enqueue needs HUB_JOBS_URL=redis://… (memory:// queues live in the hub)", err=True
        )
        raise typer.Exit(2)
    try:
        load_source_configs(settings)  # a bad sources file is told before anything starts
    except SourcesConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if migrate:
        from hub.migrate import upgrade  # alembic: loaded only when migrating (workers never do)

        upgrade(settings)
    concurrency = concurrency or settings.sync_concurrency
    problems: list[str] = []
    if enqueue:
        firms = asyncio.run(_enqueue(settings, chosen, selection, only))
        typer.echo(f"enqueued the refresh of {firms} firms")
        return
    if workers > 1:
        summary, problems = asyncio.run(_run_workers(settings, chosen, selection, workers, concurrency))
    else:
        summary = asyncio.run(_run(settings, chosen, selection, concurrency, only, progress))
    if progress is ProgressFormat.jsonl:
        typer.echo(ProgressLine.final(summary).model_dump_json(exclude_none=True))
    else:
        _print_summary(summary, chosen)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if summary.failed or problems:
        raise typer.Exit(1)


async def _enqueue(
    settings: Settings, chosen: list[SourceName], selection: Selection, shard: Shard | None
) -> int:
    """Kick ``refresh.firms`` jobs for the firms of the selection; how many firms."""
    from hub.connections.jobs import kick_refreshes  # the jobs' modules: loaded only to enqueue
    from hub.jobs.queue import JobQueue, build_broker

    engine = create_engine(settings)
    queue = JobQueue(build_broker(settings))
    await queue.start(None)  # nothing runs here: the services are the workers'
    try:
        stream = selection.stream(create_session_factory(engine), chosen)
        return await kick_refreshes(
            (item, chosen) if isinstance(item, str) else item
            async for item in (stream if shard is None else codes_in_shard(stream, shard))
        )
    finally:
        await queue.stop()
        await engine.dispose()


def _progress_bar(*, shown: bool = True) -> Progress:
    return Progress(
        TextColumn("[bold]sync"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not shown,
    )


async def _run(
    settings: Settings,
    chosen: list[SourceName],
    selection: Selection,
    concurrency: int,
    shard: Shard | None,
    progress_format: ProgressFormat,
) -> SyncSummary:
    # The services a `hub worker` runs refreshes with (loaded here only: see WORKER_COMMAND): consents
    # checked, connection states kept, events told to the webhook and alert sinks.
    from hub.connections.refresh import refresh_firms
    from hub.malloc import limit_malloc_arenas
    from hub.services import HubServices

    limit_malloc_arenas()  # as `hub worker`: the services' threads would each fragment an arena of their own
    # An inline refresh fires no periodic jobs, even on the embedded default.
    services = await HubServices.start(settings.model_copy(update={"in_process_scheduler": False}))
    # A memory cache dies with this process: refreshing it would only hold every record until exit.
    services.sources.refresh_cache = is_redis(services.cache)
    stream = selection.stream(services.sessions, chosen)
    total: int | None = None
    if shard is None:
        total = await selection.total(services.sessions, chosen)
    else:
        stream = codes_in_shard(stream, shard)  # its share of the total is known only at the end
    progress = _progress_bar(shown=progress_format is ProgressFormat.bar)
    task = progress.add_task("sync", total=total)

    async def refresh(
        firms: Mapping[str, Sequence[SourceName]],
    ) -> dict[str, dict[SourceName, SyncOutcome]]:
        done = await refresh_firms(services, firms)
        found: dict[str, dict[SourceName, SyncOutcome]] = {}
        for code, sources in firms.items():
            outcomes: dict[SourceName, SyncOutcome] = dict.fromkeys(done[code].unconsented, "no_consent")
            outcomes.update(done[code].outcomes)
            found[code] = {source: outcomes.get(source, "failed") for source in sources}  # not configured
        return found

    def advance(_code: str, _source: SourceName, _outcome: SyncOutcome) -> None:
        progress.advance(task)

    def report(_code: str, source: SourceName, outcome: SyncOutcome) -> None:
        typer.echo(ProgressLine.refreshed(source, outcome).model_dump_json(exclude_none=True))

    on_refreshed = report if progress_format is ProgressFormat.jsonl else advance
    try:
        with progress:
            return await sync_enterprises(
                refresh, stream, sources=chosen, concurrency=concurrency, on_refreshed=on_refreshed
            )
    finally:
        await services.close()


async def _run_workers(
    settings: Settings,
    chosen: list[SourceName],
    selection: Selection,
    workers: int,
    concurrency: int,
) -> tuple[SyncSummary, list[str]]:
    """Run ``workers`` worker processes, shard k/N each; their summaries added up, and what went wrong."""
    engine = create_engine(settings)
    try:
        total = await selection.total(create_session_factory(engine), chosen)
    finally:
        await engine.dispose()
    summary = SyncSummary({source: Counter() for source in chosen})
    problems: list[str] = []
    progress = _progress_bar()
    task = progress.add_task("sync", total=total)
    arguments = ["--no-migrate", "--progress", "jsonl", "--sources", ",".join(chosen)]
    arguments += ["--concurrency", str(concurrency)]
    processes: list[asyncio.subprocess.Process] = []

    async def follow(shard: Shard, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        final: SyncSummary | None = None
        async for raw in process.stdout:
            try:
                line = ProgressLine.model_validate_json(raw)
            except ValidationError:
                sys.stderr.write(raw.decode(errors="replace"))  # not progress: the worker's own words
                continue
            final = line.sync_summary() or final
            if line.source is not None:
                progress.advance(task)
        returncode = await process.wait()
        if final is None:
            problems.append(f"worker {shard} exited with code {returncode} before its summary")
        else:
            summary.add(final)  # exit code 1 with a summary: failed fetches, counted there

    try:
        with progress:
            async with asyncio.TaskGroup() as followers:
                for index in range(1, workers + 1):
                    shard = Shard(index, workers)
                    process = await asyncio.create_subprocess_exec(
                        *WORKER_COMMAND,
                        *arguments,
                        "--shard",
                        str(shard),
                        *selection.arguments(),
                        stdout=asyncio.subprocess.PIPE,
                    )
                    processes.append(process)
                    followers.create_task(follow(shard, process))
    finally:
        await asyncio.gather(*(_stop(process) for process in processes))
    return summary, problems


async def _stop(process: asyncio.subprocess.Process) -> None:
    """Terminate a worker still running (the sync was interrupted), killing it if it does not stop."""
    if process.returncode is None:
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), WORKER_STOP_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()


def _print_summary(summary: SyncSummary, chosen: list[SourceName]) -> None:
    table = Table(title="hub sync")
    for column in ("source", "fetched", "unchanged", "not found", "failed", "no consent"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for source in chosen:
        table.add_row(
            source,
            *(
                str(summary.count(source, outcome))
                for outcome in ("fetched", "unchanged", "not_found", "failed", "no_consent")
            ),
        )
    Console().print(table)


def worker_main() -> None:
    """A ``hub sync`` worker process: the sync command alone, without the rest of the command line."""
    app = typer.Typer(add_completion=False)
    app.command()(sync)
    app()

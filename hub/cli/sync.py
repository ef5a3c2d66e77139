"""``hub sync``: refresh enterprises' source snapshots, with a progress bar and a summary per source."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from connectors.config import SourceConfig, SourcesConfigError, load_sources
from connectors.records import SOURCES, SourceName
from hub.cache import build_cache, close_cache, is_redis
from hub.cli.settings_option import settings_or_exit
from hub.credit_code import InvalidCreditCode, validate
from hub.settings import Settings
from hub.sources.reader import RefreshOutcome, SourceReader
from hub.sources.sync import (
    EnterpriseListing,
    SyncSummary,
    codes_from_file,
    count_codes_in_file,
    given_codes,
    sync_enterprises,
)
from hub.storage import create_engine, create_session_factory
from hub.storage.migrate import upgrade


def _chosen_sources(values: list[str] | None) -> list[SourceName]:
    names = [name.strip() for value in values or [] for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise typer.BadParameter(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    return [source for source in SOURCES if source in names] or list(SOURCES)


def _valid_codes(codes: list[str]) -> list[str]:
    try:
        return [validate(code) for code in codes]
    except InvalidCreditCode as error:
        raise typer.BadParameter(str(error), param_hint="CODE") from None


def sync(
    credit_codes: Annotated[
        list[str] | None, typer.Argument(metavar="CODE", help="Credit codes to refresh.")
    ] = None,
    all_enterprises: Annotated[
        bool, typer.Option("--all", help="Every enterprise the sandbox lists (/_sandbox/enterprises).")
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
            "--concurrency", min=1, max=512, help="Enterprises in flight (default HUB_SYNC_CONCURRENCY)."
        ),
    ] = None,
    migrate: Annotated[bool, typer.Option(help="Run database migrations first.")] = True,
) -> None:
    """Refresh source snapshots; a re-run is safe (unchanged data writes nothing). Exit 1 on failures."""
    if sum((bool(credit_codes), all_enterprises, from_file is not None)) != 1:
        raise typer.BadParameter("give credit codes, --all or --from-file (exactly one of them)")
    chosen = _chosen_sources(sources)
    codes = _valid_codes(credit_codes or [])
    settings = settings_or_exit()
    try:
        configs = load_sources(settings)
    except SourcesConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if migrate:
        upgrade(settings)
    summary = asyncio.run(
        _run(
            settings,
            configs,
            chosen,
            codes,
            all_enterprises,
            from_file,
            concurrency or settings.sync_concurrency,
        )
    )
    _print_summary(summary, chosen)
    if summary.failed:
        raise typer.Exit(1)


async def _run(
    settings: Settings,
    configs: dict[SourceName, SourceConfig],
    chosen: list[SourceName],
    codes: list[str],
    all_enterprises: bool,
    from_file: Path | None,
    concurrency: int,
) -> SyncSummary:
    stream: AsyncIterator[str]
    if all_enterprises:
        listing = EnterpriseListing(configs["registry"])
        total: int | None = await listing.total()
        stream = listing.codes()
    elif from_file is not None:
        total, stream = count_codes_in_file(from_file), codes_from_file(from_file)
    else:
        total, stream = len(codes), given_codes(codes)
    engine = create_engine(settings)
    cache = build_cache(settings)
    # A memory cache dies with this process: refreshing it would only hold every record until exit.
    reader = SourceReader.create(
        settings, create_session_factory(engine), cache, configs, refresh_cache=is_redis(cache)
    )
    progress = Progress(
        TextColumn("[bold]sync"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    task = progress.add_task("sync", total=None if total is None else total * len(chosen))

    def advance(_code: str, _source: SourceName, _outcome: RefreshOutcome) -> None:
        progress.advance(task)

    try:
        with progress:
            return await sync_enterprises(
                reader, stream, sources=chosen, concurrency=concurrency, on_refreshed=advance
            )
    finally:
        await reader.aclose()
        await close_cache(cache)
        await engine.dispose()


def _print_summary(summary: SyncSummary, chosen: list[SourceName]) -> None:
    table = Table(title="hub sync")
    for column in ("source", "fetched", "unchanged", "failed"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for source in chosen:
        table.add_row(
            source, *(str(summary.count(source, outcome)) for outcome in ("fetched", "unchanged", "failed"))
        )
    Console().print(table)

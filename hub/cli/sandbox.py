"""``hub sandbox``: run the simulated upstream providers on consecutive ports until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from sandbox.credentials import Credentials
from sandbox.faults import BadFaults, FaultSettings
from sandbox.providers import DEFAULT_CREDENTIALS, PROVIDERS, SANDBOX_PROVIDERS
from sandbox.runner import BASE_PORT, DEFAULT_SEED, DEFAULT_SIZE, run_sandboxes


def _credentials(values: list[str]) -> dict[str, Credentials]:
    result: dict[str, Credentials] = {}
    for value in values:
        name, _, secret_part = value.partition("=")
        key, _, secret = secret_part.partition(":")
        if name not in PROVIDERS or not key:
            raise typer.BadParameter(f"expected NAME=KEY[:SECRET] with NAME one of {', '.join(PROVIDERS)}")
        result[name] = Credentials(key, secret)
    return result


async def _run(
    host: str,
    ports: dict[str, int],
    seed: int,
    size: int,
    faults: FaultSettings,
    credentials: dict[str, Credentials],
) -> None:
    async with run_sandboxes(
        host, ports, list(ports), seed=seed, size=size, faults=faults, credentials=credentials
    ) as urls:
        accepted = {**DEFAULT_CREDENTIALS, **credentials}
        for name, url in urls.items():
            described = SANDBOX_PROVIDERS[name].credentials_text(accepted[name])
            typer.echo(f"{name:<12} {url:<28} {described}")
        typer.echo(f"universe: seed {seed}, {size} firms. Ctrl-C to stop.")
        await _stop_requested()


async def _stop_requested() -> None:
    """Return on SIGINT (Ctrl-C) or SIGTERM (``docker stop``), handled by the event loop itself: a stop
    never depends on where a KeyboardInterrupt would land."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        await stop.wait()
    finally:
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signal_number)


def sandbox(
    provider: Annotated[
        list[str] | None,
        typer.Option(help=f"Run only this provider (repeatable); default all: {', '.join(PROVIDERS)}."),
    ] = None,
    port: int = typer.Option(BASE_PORT, help="Port of the first provider; the next ones follow."),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    seed: int = typer.Option(DEFAULT_SEED, help="Seed of the synthetic universe."),
    size: int = typer.Option(DEFAULT_SIZE, help="Number of firms in the universe."),
    latency_ms: int = typer.Option(0, help="Added latency of every data response."),
    jitter_ms: int = typer.Option(0, help="Random extra latency, 0..N ms."),
    error_rate: float = typer.Option(0.0, help="Probability of answering --error-status."),
    error_status: int = typer.Option(503, help="Status of injected errors (500 or 503)."),
    hang_s: float = typer.Option(0.0, help="Delay every data response by this many seconds."),
    rate_limit: float = typer.Option(0.0, help="Requests per second per credential (0: none; trade 50)."),
    down: bool = typer.Option(False, help="Answer 503 to every data request."),
    credential: Annotated[
        list[str] | None, typer.Option(help="NAME=KEY[:SECRET] replaces a provider's credentials.")
    ] = None,
) -> None:
    """Run the sandbox providers (every module of sandbox/providers), printing their URLs."""
    names = provider or list(PROVIDERS)
    unknown = sorted(set(names) - set(PROVIDERS))
    if unknown:
        raise typer.BadParameter(f"unknown provider {', '.join(unknown)}; known: {', '.join(PROVIDERS)}")
    settings = {
        "latency_ms": latency_ms,
        "jitter_ms": jitter_ms,
        "error_rate": error_rate,
        "error_status": error_status,
        "hang_s": hang_s,
        "rate_limit_per_s": rate_limit,
        "down": down,
    }
    try:
        faults = FaultSettings().updated(settings)
    except BadFaults as error:
        raise typer.BadParameter(str(error)) from None
    accepted = _credentials(credential or [])
    ports = {name: port + offset for offset, name in enumerate(names)}
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(host, ports, seed, size, faults, accepted))
    typer.echo("sandbox stopped")

"""Webhook deliveries: 10,000 to a local receiver, and an event's emission to its delivery.

A hub's services start on a fresh database (in this process, the job queue in memory, or Redis with a
receiver task as ``hub worker`` runs it, or with ``--workers N`` that many ``hub worker`` processes
doing the deliveries while this process only emits, as production runs it); a receiver (starlette on
uvicorn, in a process of its own)
verifies every signature with standardwebhooks and counts webhook-ids. Throughput: 10 subscriptions of
one tenant are told 1,000 ``alert.created`` events, emitted 100 at a time: 10,000 deliveries, timed from
the first emission until every one has arrived and is recorded DELIVERED. Latency: 200 events emitted one
at a time (20 ms apart) to one subscription, each timed from ``emit`` to its arrival at the receiver.

    .venv/bin/python -m bench.webhooks [--postgres] [--redis [--workers N]] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.clients import register_client
from auth.principal import ALL_SCOPES, Principal
from bench.harness import argument_parser, free_port
from bench.report import ms, percentile, run_and_report, section, table
from foundation.credit_code import generate
from foundation.settings import Settings
from foundation.signing_keys import rotate_key_file
from foundation.storage.models import Base, WebhookDelivery
from hub.cli.worker import READY
from hub.events import Event
from hub.services import HubServices

SUBSCRIPTIONS = 10
EVENTS = 1000
EMIT_BATCH = 100
LATENCY_EVENTS = 200
THROUGHPUT_GOAL_S = 30.0
LATENCY_GOAL_S = 2.0
POSTGRES_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _serve_receiver(port: int, secrets_queue: Any, results: Any) -> None:
    """The receiver process: verifies each delivery under its path's secret, reports every arrival."""
    webhooks: dict[str, Webhook] = {}

    async def hook(request: Request) -> Response:
        body = await request.body()
        arrived = time.perf_counter()  # CLOCK_MONOTONIC: comparable with the hub process's
        path = request.path_params["path"]
        while path not in webhooks:
            name, secret = secrets_queue.get(timeout=10)
            webhooks[name] = Webhook(secret)
        try:
            payload: Any = webhooks[path].verify(body, dict(request.headers))
        except Exception:
            results.put(("bad", "", arrived))
            return Response(status_code=400)
        results.put((request.headers["webhook-id"], payload["data"]["alertId"], arrived))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/{path}", hook, methods=["POST"])])
    config = uvicorn.Config(app, port=port, log_level="warning", lifespan="off", access_log=False)
    asyncio.run(_Server(config).serve())


class Receiver:
    """A receiver in a process of its own (so it does not share the hub's interpreter lock), and what it
    reported: when each webhook-id first arrived, which alert it carried, bad signatures, duplicates."""

    def __init__(self) -> None:
        self.port = free_port()
        self.first_seen: dict[str, float] = {}
        self.event_ids: dict[str, str] = {}  # alertId → webhook-id
        self.arrivals = 0
        self.bad_signatures = 0
        context = multiprocessing.get_context("spawn")
        self._secrets = context.Queue()
        self._results = context.Queue()
        self._process = context.Process(
            target=_serve_receiver, args=(self.port, self._secrets, self._results), daemon=True
        )
        self._reading = threading.Thread(target=self._read, daemon=True)

    def add_secret(self, path: str, secret: str) -> None:
        self._secrets.put((path, secret))

    def _read(self) -> None:
        while True:
            webhook_id, alert_id, arrived = self._results.get()
            if webhook_id is None:
                return
            if webhook_id == "bad":
                self.bad_signatures += 1
                continue
            self.arrivals += 1
            self.first_seen.setdefault(webhook_id, arrived)
            self.event_ids[alert_id] = webhook_id

    def start(self) -> None:
        self._process.start()
        self._reading.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the receiver did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(10)
        self._results.put((None, "", 0.0))
        self._reading.join(10)


@contextlib.asynccontextmanager
async def database(options: argparse.Namespace) -> AsyncIterator[str]:
    if not options.postgres:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite+aiosqlite:///{directory}/hub.db"
        return
    name = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def alert(number: int, code: str) -> Event:
    return Event(
        "alert.created",
        code,
        {"alertId": f"al_{number}", "rule": "bench", "severity": "LOW"},
        tenant_id="bench",
    )


async def delivered(services: HubServices) -> int:
    async with services.sessions() as session:
        query = select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "DELIVERED")
        return int(await session.scalar(query) or 0)


async def subscribe(services: HubServices, principal: Principal, receiver: Receiver, path: str) -> None:
    created = await services.webhooks.book.create(
        principal, url=f"http://127.0.0.1:{receiver.port}/{path}", events=["alert.created"], credit_codes=None
    )
    receiver.add_secret(path, created.secret)


async def measure(services: HubServices, receiver: Receiver) -> dict[str, Any]:
    client = await register_client(sessions=services.sessions, tenant_id="bench", scopes=ALL_SCOPES)
    principal = Principal("bench", client.client_id, ALL_SCOPES, token_id="bench")
    for index in range(SUBSCRIPTIONS):
        await subscribe(services, principal, receiver, f"bulk{index}")
    rng = random.Random(7)
    codes = [generate("330100", rng) for _ in range(100)]
    total = SUBSCRIPTIONS * EVENTS
    started = time.perf_counter()
    for start in range(0, EVENTS, EMIT_BATCH):
        await services.events.emit([alert(n, codes[n % 100]) for n in range(start, start + EMIT_BATCH)])
    emitted_s = time.perf_counter() - started
    while len(receiver.first_seen) < total or await delivered(services) < total:
        if time.perf_counter() - started > 300:
            raise RuntimeError(f"only {len(receiver.first_seen)} of {total} arrived in 300 s")
        await asyncio.sleep(0.05)
    bulk_s = time.perf_counter() - started
    duplicates = receiver.arrivals - len(receiver.first_seen)

    await subscribe(services, principal, receiver, "latency")
    # the latency subscription also hears the bulk ones' events from here on: only its own are timed
    latencies = []
    for number in range(LATENCY_EVENTS):
        event = alert(100_000 + number, codes[number % 100])
        sent = time.perf_counter()
        await services.events.emit([event])
        key = f"al_{100_000 + number}"
        # the receiver's reader thread fills event_ids: nothing in this loop to wait on
        while (webhook_id := receiver.event_ids.get(key)) is None:  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        latencies.append(receiver.first_seen[webhook_id] - sent)
        await asyncio.sleep(0.02)
    return {
        "total": total,
        "emitted_s": emitted_s,
        "bulk_s": bulk_s,
        "duplicates": duplicates,
        "bad": receiver.bad_signatures,
        "latencies": latencies,
    }


async def run(options: argparse.Namespace) -> str:
    receiver = Receiver()
    receiver.start()
    try:
        async with database(options) as database_url:
            engine = create_async_engine(database_url)
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            await engine.dispose()
            with tempfile.TemporaryDirectory() as keys:
                key_file = Path(keys) / "webhook-secret.key"
                key_file.write_text(secrets.token_hex(32))
                signing_keys = Path(keys) / "signing-keys.json"
                rotate_key_file(signing_keys, token_ttl_s=900)
                personal_key = Path(keys) / "personal-data.key"
                personal_key.write_text(secrets.token_hex(32))
                values: dict[str, Any] = {
                    "database_url": database_url,
                    "jobs_url": REDIS_URL if options.redis else "memory://",
                    "cache_url": REDIS_URL if options.redis else "memory://",
                    "cache_namespace": f"bench-{uuid.uuid4().hex[:8]}",
                    "webhook_secret_key_file": key_file,
                    "personal_data_key_file": personal_key,
                    "signing_key_file": signing_keys,
                    "log_level": "WARNING",
                }
                settings = Settings(**values)
                services = await HubServices.start(settings)
                worker = None
                if options.redis and not options.workers:
                    from taskiq.api import run_receiver_task

                    worker = asyncio.create_task(run_receiver_task(services.jobs.broker))
                try:
                    async with hub_workers(values, options.workers if options.redis else 0, Path(keys)):
                        found = await measure(services, receiver)
                finally:
                    if worker is not None:
                        worker.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await worker
                    await services.close()
    finally:
        receiver.stop()
    latencies = found["latencies"]
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    rate = found["total"] / found["bulk_s"]
    body = table(
        ["measure", "result", "goal", "met"],
        [
            [
                f"{found['total']:,} deliveries, emission to all DELIVERED",
                f"{found['bulk_s']:.1f} s ({rate:,.0f}/s; emitted in {found['emitted_s']:.1f} s)",
                f"< {THROUGHPUT_GOAL_S:.0f} s",
                "yes" if found["bulk_s"] < THROUGHPUT_GOAL_S else "no",
            ],
            [
                f"event emitted → delivered, {len(latencies)} events",
                f"p50 {ms(p50)}, p95 {ms(p95)}, max {ms(max(latencies))}",
                f"p95 < {LATENCY_GOAL_S:.0f} s",
                "yes" if p95 < LATENCY_GOAL_S else "no",
            ],
        ],
    )
    body += (
        f"\n\nEvery signature verified at the receiver ({found['bad']} bad); "
        f"{found['duplicates']} duplicate arrivals (by webhook-id)."
    )
    database_label = "PostgreSQL" if options.postgres else "SQLite"
    if not options.redis:
        queue_label, where = "in-memory broker", "hub services in one process"
    elif options.workers:
        queue_label = f"Redis stream broker + {options.workers} `hub worker` process(es)"
        where = "this process emits, the workers deliver"
    else:
        queue_label, where = (
            "Redis stream broker + one in-process receiver task",
            "hub services in one process",
        )
    conditions = (
        f"{database_label}, {queue_label}; {where}, the receiver (uvicorn) in another; "
        f"{SUBSCRIPTIONS} subscriptions × {EVENTS} events, emitted {EMIT_BATCH} at a time"
    )
    return section(section_name(options), "Webhook deliveries", body, conditions)


def section_name(options: argparse.Namespace) -> str:
    """A section per configuration: the embedded default, PostgreSQL + Redis in one process, with workers."""
    name = "webhooks"
    if options.postgres and options.redis:
        name += "-postgres-redis"
    if options.redis and options.workers:
        name += f"-{options.workers}-workers"
    return name


@contextlib.asynccontextmanager
async def hub_workers(values: dict[str, Any], count: int, directory: Path) -> AsyncIterator[None]:
    """``count`` ``hub worker --no-scheduler`` processes on these settings, ready, stopped after."""
    environment = {**os.environ, **{f"HUB_{key.upper()}": str(value) for key, value in values.items()}}
    command = [str(Path(sys.executable).with_name("hub")), "worker", "--no-scheduler"]
    processes = []
    try:
        for _ in range(count):
            process = await asyncio.create_subprocess_exec(
                *command,
                cwd=directory,
                env=environment,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            processes.append(process)
            said = b""
            assert process.stdout is not None
            async with asyncio.timeout(60):
                while READY.encode() not in said:
                    line = await process.stdout.readline()
                    if not line:
                        raise RuntimeError(f"hub worker stopped: {said.decode(errors='replace')}")
                    said += line
            # its later output is not read: drop it rather than let the pipe fill up
            asyncio.get_running_loop().create_task(_discard(process))
        yield
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            await process.wait()


async def _discard(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while await process.stdout.read(65536):
        pass


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--workers", type=int, default=0, help="with --redis: deliveries on this many `hub worker` processes"
    )
    options = parser.parse_args()
    run_and_report(section_name(options), run, options)


if __name__ == "__main__":
    main()

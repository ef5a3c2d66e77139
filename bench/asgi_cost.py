"""CPU per warm request at the ASGI boundary: the hub app beside the ceiling app, in this process.

No sockets, no uvicorn, no load generator: each app is called directly (``app(scope, receive, send)``)
with the same GET request as ``bench.throughput`` sends, ``--concurrency`` at a time, and the process's
CPU time (all threads: the audit writer's included) is divided by the requests. What uvicorn, h11 and the
kernel add per request is the same for both apps, so this isolates what the hub adds to a bare starlette
answer. Short runs of each app alternate and the median is reported: on a shared machine it is steadier
than req/s under wrk, and it is what guided the cuts in the Profile section.

    .venv/bin/python -m bench.asgi_cost [--requests 4000] [--rounds 5] [--concurrency 32] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.ceiling import ceiling_app
from bench.harness import (
    ClientCredentials,
    argument_parser,
    backend_label,
    fetch_token,
    prepare_access,
    start_sandboxes,
    workspace,
)
from bench.queries import profile_query
from bench.report import run_and_report, section, table
from hub.app import create_app

HUB = "http://127.0.0.1"  # authlib refuses plain-HTTP token requests to other hosts
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


@dataclass(frozen=True)
class Run:
    """One run of one app: CPU seconds per request (all threads; the event-loop thread), wall seconds."""

    cpu_s: float
    loop_cpu_s: float
    wall_s: float


def request_scope(query_string: bytes, token: str) -> dict[str, Any]:
    """``GET /graphql?…`` with a bearer token, as uvicorn would hand it to the app."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": query_string,
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"accept", b"application/json"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def drive(app: ASGIApp, scope: Message, *, requests: int, concurrency: int) -> Run:
    """Call ``app`` ``requests`` times, ``concurrency`` at a time; every answer must be a 200."""
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def caller(count: int) -> None:
        for _ in range(count):
            await app({**scope, "state": {}}, receive, send)

    cpu, loop_cpu, wall = time.process_time(), time.thread_time(), time.perf_counter()
    await asyncio.gather(*(caller(requests // concurrency) for _ in range(concurrency)))
    cpu, loop_cpu, wall = time.process_time() - cpu, time.thread_time() - loop_cpu, time.perf_counter() - wall
    if set(statuses) != {200}:
        raise RuntimeError(f"unexpected statuses {sorted(set(statuses))}")
    done = len(statuses)
    return Run(cpu / done, loop_cpu / done, wall / done)


async def warm_answer(app: ASGIApp, client: ClientCredentials, code: str) -> tuple[str, bytes, bytes]:
    """A token, the query string of the profile query for ``code`` and the hub's answer (cache filled)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=HUB, timeout=60) as http:
        token = await fetch_token(http, HUB, client)
        params = {"query": profile_query(), "variables": json.dumps({"code": code})}
        headers = {"authorization": f"Bearer {token}"}
        await http.get("/graphql", params=params, headers=headers)  # fills the caches
        answer = await http.get("/graphql", params=params, headers=headers)
    if answer.status_code != 200 or answer.json().get("errors"):
        raise RuntimeError(f"the warm query failed: HTTP {answer.status_code} {answer.text[:300]}")
    return token, urlencode(params).encode(), answer.content


async def measure(
    options: argparse.Namespace, app: ASGIApp, client: ClientCredentials, code: str
) -> dict[str, list[Run]]:
    token, query_string, body = await warm_answer(app, client, code)
    scope = request_scope(query_string, token)
    targets: dict[str, ASGIApp] = {"hub": app, "ceiling": ceiling_app(body)}
    runs: dict[str, list[Run]] = {name: [] for name in targets}
    for target in targets.values():  # first-use code paths
        await drive(target, scope, requests=500, concurrency=options.concurrency)
    for _ in range(options.rounds):
        for name, target in targets.items():
            runs[name].append(
                await drive(target, scope, requests=options.requests, concurrency=options.concurrency)
            )
    return runs


async def run(options: argparse.Namespace) -> str:
    async with start_sandboxes(size=2000) as sandboxes:
        core = (await sandboxes.credit_codes(1, core=True))[0]
        typical = next(code for code in await sandboxes.credit_codes(10) if code != core)
        async with workspace(options, sandboxes.urls) as space:
            settings = space.settings()
            client = await prepare_access(settings, [typical, core])
            app = create_app(settings)
            rows: list[list[object]] = []
            async with app.router.lifespan_context(app):
                for firm, code in (("typical firm", typical), ("core enterprise", core)):
                    runs = await measure(options, app, client, code)
                    rows += _rows(firm, runs)
    return report(options, rows)


def _median(runs: list[Run], field: str) -> float:
    return statistics.median(float(getattr(run, field)) for run in runs)


def _rows(firm: str, runs: dict[str, list[Run]]) -> list[list[object]]:
    hub_cpu, ceiling_cpu = _median(runs["hub"], "cpu_s"), _median(runs["ceiling"], "cpu_s")
    rows: list[list[object]] = []
    for name, label in (("hub", "hub"), ("ceiling", "bare starlette")):
        cpu = [run.cpu_s for run in runs[name]]
        rows.append(
            [
                firm,
                label,
                f"{_median(runs[name], 'cpu_s') * 1e6:.1f} µs",
                f"{min(cpu) * 1e6:.1f}-{max(cpu) * 1e6:.1f} µs",
                f"{_median(runs[name], 'loop_cpu_s') * 1e6:.1f} µs",
                f"{_median(runs[name], 'wall_s') * 1e6:.1f} µs",
                f"{(hub_cpu - ceiling_cpu) * 1e6:.1f} µs" if name == "hub" else "",
            ]
        )
    return rows


def report(options: argparse.Namespace, rows: list[list[object]]) -> str:
    header = [
        "firm",
        "app",
        "CPU per request (median)",
        "range over runs",
        "on the event-loop thread",
        "wall per request",
        "hub's own (hub − bare)",
    ]
    conditions = (
        f"{options.rounds} alternating runs of {options.requests} requests per app, {options.concurrency} at "
        f"a time, GET /graphql with a bearer token, full profile (all five sources) from a warm cache, "
        f"{backend_label(options)}, both apps called in this process without sockets"
    )
    body = table(header, rows) + (
        "\n\nThe hub's own cost is what a request costs beyond what any starlette app answering the same "
        "bytes costs; uvicorn and the kernel add the same to both (see the throughput section for that "
        "whole)."
    )
    return section("asgi", "CPU per warm request at the ASGI boundary", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--requests", type=int, default=4000, help="requests per run")
    parser.add_argument("--rounds", type=int, default=5, help="runs per app, alternating")
    parser.add_argument("--concurrency", type=int, default=32)
    run_and_report("asgi", run, parser.parse_args())


if __name__ == "__main__":
    main()

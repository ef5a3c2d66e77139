"""Serving stack: the same hub, and the same bare app, under each candidate HTTP server, side by side.

The hub runs as ``hub serve`` does (granian, one worker on uvloop) and under uvicorn with httptools and
uvloop (``uvicorn --factory hub.app:app_from_environment``), on one database, answering the warm full
profile of one firm; beside each, the bare starlette app (``bench.ceiling``) under the same server. Rounds
alternate every target so all see the same machine conditions. This is what chose the hub's server.

    .venv/bin/python -m bench.serving [--connections 32] [--duration 8] [--rounds 2] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx

from bench.harness import (
    Stack,
    argument_parser,
    backend_label,
    bench_stack,
    fetch_token,
    free_port,
    start_server,
)
from bench.load import LoadResult, run_load, wrk_available
from bench.queries import profile_query
from bench.report import ms, rss_mib, run_and_report, section, table

TARGETS = ("hub on granian", "hub on uvicorn", "bare on granian", "bare on uvicorn")


@contextlib.asynccontextmanager
async def uvicorn_hub(stack: Stack) -> AsyncIterator[tuple[str, str]]:
    """A second hub on the stack's database under uvicorn (httptools + uvloop): its URL and a token."""
    port = free_port()
    environment = stack.workspace.environment(host="127.0.0.1", port=port)
    command = [
        sys.executable, "-m", "uvicorn", "hub.app:app_from_environment", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--http", "httptools", "--loop", "uvloop",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    async with start_server(command, port, stack.workspace.directory / "uvicorn-hub.log", environment) as hub:
        async with httpx.AsyncClient(timeout=30) as http:
            token = await fetch_token(http, hub.url, stack.client)
        yield hub.url, token


async def run(options: argparse.Namespace) -> str:
    async with bench_stack(options, size=2000, consented=50) as stack, uvicorn_hub(stack) as (other, token):
        code = stack.codes[0]
        query = urlencode({"query": profile_query(), "variables": json.dumps({"code": code})})
        hubs = {
            "hub on granian": (f"{stack.hub_url}/graphql?{query}", stack.headers),
            "hub on uvicorn": (f"{other}/graphql?{query}", {"Authorization": f"Bearer {token}"}),
        }
        async with httpx.AsyncClient(timeout=60) as http:
            answers = [await http.get(url, headers=headers) for url, headers in hubs.values() for _ in (1, 2)]
        if any(answer.status_code != 200 or answer.json().get("errors") for answer in answers):
            raise RuntimeError(f"the warm query failed: {answers[-1].text[:300]}")
        body_file = stack.workspace.directory / "answer.json"
        await asyncio.to_thread(body_file.write_bytes, answers[-1].content)
        on_granian, on_uvicorn = bare("granian", body_file, stack), bare("uvicorn", body_file, stack)
        async with on_granian as bare_granian, on_uvicorn as bare_uv:
            targets = {
                **hubs,
                "bare on granian": (f"{bare_granian}/graphql?{query}", {}),
                "bare on uvicorn": (f"{bare_uv}/graphql?{query}", {}),
            }
            for url, headers in targets.values():
                await run_load(options.generator, url, headers, connections=4, duration_s=1)
            results: dict[str, list[LoadResult]] = {name: [] for name in TARGETS}
            for _ in range(options.rounds):
                for name, (url, headers) in targets.items():
                    results[name].append(
                        await run_load(
                            options.generator,
                            url,
                            headers,
                            connections=options.connections,
                            duration_s=options.duration,
                        )
                    )
        rss = rss_mib(stack.hub.pid)
    return report(options, results, rss)


@contextlib.asynccontextmanager
async def bare(server: str, body_file: object, stack: Stack) -> AsyncIterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--body", str(body_file)]
    log = stack.workspace.directory / f"bare-{server}.log"
    async with start_server([*command, "--server", server], port, log) as started:
        yield started.url


def report(options: argparse.Namespace, results: dict[str, list[LoadResult]], rss: float) -> str:
    rows = [
        [name, round_number, f"{run.requests_per_s:.0f}", ms(run.p50_s), ms(run.p99_s), run.non_2xx]
        for name, runs in results.items()
        for round_number, run in enumerate(runs, 1)
    ]

    def rate(name: str) -> float:
        return sum(run.requests_per_s for run in results[name]) / len(results[name])

    hub_ratio = rate("hub on granian") / rate("hub on uvicorn")
    bare_ratio = rate("bare on granian") / rate("bare on uvicorn")
    body = (
        table(["target", "round", "req/s", "p50", "p99", "non-2xx/errors"], rows)
        + f"\n\nHub on granian / hub on uvicorn (httptools + uvloop): {hub_ratio:.2f}x; "
        f"bare app, the same: {bare_ratio:.2f}x. Hub / bare app on granian: "
        f"{rate('hub on granian') / rate('bare on granian'):.0%}; on uvicorn: "
        f"{rate('hub on uvicorn') / rate('bare on uvicorn'):.0%}. Granian hub worker RSS {rss:.0f} MiB."
    )
    conditions = (
        f"load generator {options.generator} (1 thread, {options.connections} connections, "
        f"{options.duration} s per run, {options.rounds} round(s) alternating the four targets), "
        f"GET /graphql with a bearer token, full profile of one firm from a warm cache, "
        f"{backend_label(options)}, one worker each"
    )
    return section("serving", "Serving stack: granian against uvicorn (httptools + uvloop)", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=8, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=2)
    default_generator = "wrk" if wrk_available() else "httpx"
    parser.add_argument("--generator", choices=["wrk", "httpx"], default=default_generator)
    run_and_report("serving", run, parser.parse_args())


if __name__ == "__main__":
    main()

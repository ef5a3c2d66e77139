"""Where a warm request's time goes: pyinstrument over the hub app in this process, answering from cache.

The sandboxes run in their own process; the hub app runs in this one, driven through
``httpx.ASGITransport`` (no sockets, no uvicorn) so the profile shows the hub's own work only: auth,
GraphQL parsing and execution, cache reads, consent checks, audit. Prints the call tree (frames under
``--min-share`` of the time hidden) and, with ``--html FILE``, writes pyinstrument's interactive page.

    .venv/bin/python -m bench.profile_warm [--requests 200] [--concurrency 1] [--html profile.html]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import httpx
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer

from bench.harness import argument_parser, fetch_token, prepare_access, start_sandboxes, workspace
from bench.queries import post_query, profile_query
from hub.app import create_app

HUB = "http://127.0.0.1"  # authlib refuses plain-HTTP token requests to other hosts


async def run(options: argparse.Namespace) -> str:
    async with start_sandboxes(size=2000) as sandboxes:
        core = (await sandboxes.credit_codes(1, core=True))[0]
        codes = [code for code in await sandboxes.credit_codes(10) if code != core]
        code = core if options.firm == "core" else codes[0]
        async with workspace(options, sandboxes.urls) as space:
            settings = space.settings()
            client = await prepare_access(settings, [code])
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url=HUB, timeout=60) as http:
                    token = await fetch_token(http, HUB, client)

                    async def one_request() -> None:
                        answer = await post_query(http, HUB, token, profile_query(), {"code": code})
                        if not answer.clean:
                            raise RuntimeError(f"the warm query failed: {answer}")

                    async def batch() -> float:
                        """Seconds per request over ``--requests`` requests, ``--concurrency`` at a time."""
                        concurrency: int = options.concurrency
                        requests: int = options.requests
                        rounds = max(1, requests // concurrency)
                        started = time.perf_counter()
                        for _ in range(rounds):
                            await asyncio.gather(*(one_request() for _ in range(concurrency)))
                        return (time.perf_counter() - started) / (rounds * concurrency)

                    await batch()  # fills the cache and warms first-use code paths
                    plain_s = await batch()
                    profiler = Profiler(interval=0.0005, async_mode="disabled")
                    profiler.start()
                    profiled_s = await batch()
                    profiler.stop()
    if options.html:
        await asyncio.to_thread(options.html.write_text, profiler.output_html(), encoding="utf-8")
    tree = profiler.output(ConsoleRenderer(unicode=True, time="percent_of_total"))
    flat = profiler.output(
        ConsoleRenderer(flat=True, time="percent_of_total", flat_time="total", show_all=True)
    )
    top = "\n".join(flat.splitlines()[: options.top])
    return (
        f"{tree}\nFunctions by total time (top {options.top}):\n{top}\n\n"
        f"{options.firm} firm {code}: {plain_s * 1000:.2f} ms per warm request "
        f"({profiled_s * 1000:.2f} ms with the profiler on); in-process, no sockets"
    )


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--firm", choices=["typical", "core"], default="typical", help="whose profile to ask")
    parser.add_argument("--top", type=int, default=60, help="lines of the flat listing to print")
    parser.add_argument("--html", type=Path, default=None, help="also write pyinstrument's HTML page here")
    options = parser.parse_args()
    print(asyncio.run(run(options)))


if __name__ == "__main__":
    main()

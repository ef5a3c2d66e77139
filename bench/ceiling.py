"""The throughput ceiling: a bare starlette app answering ``/graphql`` with fixed JSON bytes.

``python -m bench.ceiling --port P --body FILE [--server S]`` serves FILE's bytes (the hub's own answer to
the benchmark query) with the same content type. ``--server``: ``granian`` (as ``hub serve`` runs the hub:
one worker process on uvloop), ``uvicorn`` (httptools + uvloop) or ``uvicorn-h11`` (uvicorn's pure-Python
HTTP, the ceiling of the first benchmarks). What the hub does beyond this (auth, parsing, validation,
cache reads, audit) is what a throughput ratio against it measures.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn
from granian import Granian
from granian.constants import Interfaces, Loops
from granian.log import LogLevels
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SERVERS = ("granian", "uvicorn", "uvicorn-h11")
_BODY_VARIABLE = "BENCH_CEILING_BODY"


def ceiling_app(body: bytes) -> Starlette:
    async def graphql(request: Request) -> Response:
        return Response(body, media_type="application/json; charset=utf-8")

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/healthz", healthz)])


def app_from_environment() -> Starlette:
    """The app of a granian worker: the body file is named in the environment."""
    return ceiling_app(Path(os.environ[_BODY_VARIABLE]).read_bytes())


def serve(server: str, port: int, body_file: Path) -> None:
    if server == "granian":
        os.environ[_BODY_VARIABLE] = str(body_file)
        Granian(
            "bench.ceiling:app_from_environment",
            address="127.0.0.1",
            port=port,
            interface=Interfaces.ASGI,
            factory=True,
            loop=Loops.uvloop,
            log_level=LogLevels.warning,
        ).serve()
        return
    http, loop = ("httptools", "uvloop") if server == "uvicorn" else ("h11", "asyncio")
    app = ceiling_app(body_file.read_bytes())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", http=http, loop=loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="file with the JSON bytes to answer")
    parser.add_argument("--server", choices=SERVERS, default="granian")
    options = parser.parse_args()
    serve(options.server, options.port, options.body)


if __name__ == "__main__":
    main()

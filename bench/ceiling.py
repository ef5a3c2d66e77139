"""The throughput ceiling: a bare starlette app answering ``/graphql`` with fixed JSON bytes.

``python -m bench.ceiling --port P --body FILE`` serves FILE's bytes (the hub's own answer to the benchmark
query) with the same content type, under uvicorn configured as ``hub serve`` configures it. What the hub
does beyond this (auth, parsing, validation, cache reads, audit) is what the throughput ratio measures.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def ceiling_app(body: bytes) -> Starlette:
    async def graphql(request: Request) -> Response:
        return Response(body, media_type="application/json; charset=utf-8")

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/healthz", healthz)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="file with the JSON bytes to answer")
    options = parser.parse_args()
    app = ceiling_app(options.body.read_bytes())
    uvicorn.run(app, host="127.0.0.1", port=options.port, log_level="warning")


if __name__ == "__main__":
    main()

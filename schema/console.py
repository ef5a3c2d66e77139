"""The console at ``/console``: a page for people (credit officers, product teams) over the public API.

It is a client of ``/graphql`` and ``/oauth/token`` like any other, with no endpoint of its own: the page
and its scripts are static files in ``schema/static/console`` (plain ES modules, no build step), Apache
ECharts vendored byte-identical from npm beside its licences (``make vendor-echarts`` fetches the pinned
version again). The token lives in the page's memory only, so serving the page needs no authentication;
its Content-Security-Policy lets it load nothing and talk to nothing but the hub itself.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

CONSOLE_DIRECTORY = Path(__file__).resolve().parent / "static" / "console"
CONSOLE_PATH = "/console"
ASSETS_PATH = "/console/assets"
ECHARTS_VERSION = "5.6.0"
"""The npm version vendored as ``vendor/echarts.min.js`` (the Makefile's ``ECHARTS_VERSION``)."""
ECHARTS_INTEGRITY = "sha384-pPi0zxBAoDu6+JXW/C68UZLvBUUtU+7zonhif43rqj7pxsGyqyqzcian2Rj37Rss"
"""The subresource-integrity hash of that file, as the page's ``<script integrity>`` names it."""

SECURITY_HEADERS = {
    # ECharts sets inline styles on its tooltips; scripts come only from the hub.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


async def console_page(request: Request) -> Response:
    return FileResponse(CONSOLE_DIRECTORY / "index.html", media_type="text/html", headers=SECURITY_HEADERS)


def console_routes() -> list[BaseRoute]:
    """The page and its assets (scripts, styles, the vendored ECharts and its licences)."""
    return [
        Route(CONSOLE_PATH, console_page, methods=["GET", "HEAD"], name="console"),
        Mount(ASSETS_PATH, app=StaticFiles(directory=CONSOLE_DIRECTORY), name="console-assets"),
    ]

"""GraphiQL served from the hub itself: the page strawberry renders, with its scripts and styles read from
``schema/static/graphiql`` instead of a public CDN, so GraphiQL works inside a bank's closed network.

The vendored files are byte-identical to the CDN's (npm packages graphiql 3.8.3, react 18.2.0, …), so the
page's subresource-integrity hashes still hold; a test checks every CDN address is replaced.
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS_DIRECTORY = Path(__file__).resolve().parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql/assets"

_CDN = "https://unpkg.com"
VENDORED: dict[str, str] = {
    f"{_CDN}/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    f"{_CDN}/react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    f"{_CDN}/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    f"{_CDN}/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    f"{_CDN}/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    f"{_CDN}/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    f"{_CDN}/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.umd.js",
}


def with_local_assets(page: str) -> str:
    """The GraphiQL page with every CDN address replaced by the hub's own copy."""
    for cdn_url, file_name in VENDORED.items():
        page = page.replace(cdn_url, f"{ASSETS_PATH}/{file_name}")
    return page


def graphiql_assets_route() -> Mount:
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS_DIRECTORY), name="graphiql-assets")

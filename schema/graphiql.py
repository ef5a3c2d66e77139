"""GraphiQL served from the hub itself: the page strawberry renders, with its scripts and styles read from
``schema/static/graphiql`` instead of a public CDN, so GraphiQL works inside a bank's closed network.

The vendored files are byte-identical to the CDN's (npm packages graphiql 3.8.3, react 18.2.0, …), so the
page's subresource-integrity hashes still hold; a test checks every CDN address is replaced.

For newcomers the page opens with a sample profile query instead of GraphiQL's welcome text, and a link
``/graphql#token=<jwt>&code=<creditCode>`` (``hub demo`` prints one) fills the Headers editor with that
bearer token and the query's variables with that firm, so one click on ▶ shows a profile. The fragment
never reaches the server, and the page takes the token out of the address bar once read.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from schema.sources import source_fields

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


CORE_SAMPLE = """name industry region { city county }
    registration { legalForm registeredCapitalYuan foundedOn }"""

# Anchors in strawberry's graphiql.html that the newcomer's defaults replace (a test checks they hold).
_WELCOME = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)
_FETCH_URL = 'const fetchURL = window.location.href.split("?")[0];'
_FROM_FRAGMENT = """// A link's #token=<jwt>&code=<creditCode> (hub demo prints one): the sample query's
      // headers and variables, unless the address names them; the token then leaves the address bar.
      const fragment = new URLSearchParams(window.location.hash.slice(1));
      if (fragment.get("token") && !parameters.headers) {
        parameters.headers = JSON.stringify({ Authorization: "Bearer " + fragment.get("token") }, null, 2);
      }
      if (!parameters.variables) {
        parameters.variables = JSON.stringify({ code: fragment.get("code") ?? "" }, null, 2);
      }
      if (window.location.hash) {
        history.replaceState(null, "", window.location.pathname + window.location.search);
      }
      const fetchURL = window.location.href.split("#")[0].split("?")[0];"""


@cache
def sample_profile_query() -> str:
    """A profile query of every source (each source's field gives its sample selection) of ``$code``."""
    selections = [CORE_SAMPLE, *(spec.sample for spec in source_fields().values() if spec.sample)]
    body = "\n    ".join([*selections, "indicators { sourcesUsed riskFlags }"])
    return "query Profile($code: ID!) {\n  enterprise(creditCode: $code) {\n    " + body + "\n  }\n}\n"


def with_local_assets(page: str) -> str:
    """The GraphiQL page as the hub serves it: every CDN address replaced by the hub's own copy, and a
    newcomer's defaults (the sample profile query; headers and variables from the link's fragment)."""
    for cdn_url, file_name in VENDORED.items():
        page = page.replace(cdn_url, f"{ASSETS_PATH}/{file_name}")
    return with_newcomer_defaults(page)


def with_newcomer_defaults(page: str) -> str:
    if _WELCOME.search(page) is None or _FETCH_URL not in page:
        raise RuntimeError("strawberry's GraphiQL page changed: update schema/graphiql.py's anchors")
    # The query as a JavaScript string literal (JSON is one), in place of the welcome text.
    literal = json.dumps(sample_profile_query()).replace("</", "<\\/")
    page = _WELCOME.sub(lambda _: f"const EXAMPLE_QUERY = {literal};", page, count=1)
    return page.replace(_FETCH_URL, _FROM_FRAGMENT, 1)


def graphiql_assets_route() -> Mount:
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS_DIRECTORY), name="graphiql-assets")

"""GraphiQL works without the internet: the page loads every script and style from the hub itself."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import httpx

from foundation.settings import Settings
from hub.app import create_app
from schema.graphiql import sample_profile_query

ASSET = re.compile(r'(?:src|href)="(/graphiql/assets/[^"]+)"\s+integrity="(sha384-[^"]+)"')


async def test_graphiql_assets_are_served_locally_with_matching_integrity(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            page = await client.get("/graphql", headers={"Accept": "text/html"})
            assert page.status_code == 200
            assert "unpkg.com" not in page.text and "https://" not in page.text.split("<body")[0]
            assets = ASSET.findall(page.text)
            assert len(assets) == 7
            for path, integrity in assets:
                asset = await client.get(path)
                assert asset.status_code == 200, path
                digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
                assert integrity == f"sha384-{digest}", path


async def test_no_graphiql_assets_in_prod() -> None:
    app = create_app(Settings(env="prod", database_url="sqlite+aiosqlite:///:memory:"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        assert (await client.get("/graphiql/assets/graphiql.min.js")).status_code == 404


async def test_graphiql_opens_with_the_sample_profile_query_and_reads_a_link_s_token(
    settings: Settings,
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            page = (await client.get("/graphql", headers={"Accept": "text/html"})).text
    assert "Welcome to GraphiQL" not in page
    assert json.dumps(sample_profile_query()) in page
    # hub demo's link /graphql#token=…&code=…: the fragment fills headers and variables, then leaves.
    assert 'fragment.get("token")' in page and "Authorization" in page and "history.replaceState" in page


def test_the_sample_profile_query_runs_as_is() -> None:
    query = sample_profile_query()
    assert query.startswith("query Profile($code: ID!)") and "enterprise(creditCode: $code)" in query

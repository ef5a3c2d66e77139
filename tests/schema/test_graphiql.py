"""GraphiQL works without the internet: the page loads every script and style from the hub itself."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from foundation.settings import Settings
from hub.app import create_app

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

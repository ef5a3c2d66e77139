"""The console is served by the hub with everything it loads: no CDN, ECharts byte-identical to npm's."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx

from foundation.settings import Settings
from hub.app import create_app
from schema.console import CONSOLE_DIRECTORY, ECHARTS_INTEGRITY, ECHARTS_VERSION

ROOT = Path(__file__).resolve().parents[2]
ASSET = re.compile(r'(?:src|href)="(/console/assets/[^"]+)"')


async def test_the_page_and_every_asset_it_names_are_served_with_a_strict_policy(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
            page = await client.get("/console")
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            policy = page.headers["content-security-policy"]
            assert "script-src 'self'" in policy and "connect-src 'self'" in policy
            assets = ASSET.findall(page.text)
            assert "/console/assets/main.js" in assets and "/console/assets/vendor/echarts.min.js" in assets
            for path in assets:
                assert (await client.get(path)).status_code == 200, path
            module = await client.get("/console/assets/main.js")
            assert "javascript" in module.headers["content-type"]


def test_echarts_is_the_pinned_npm_file_with_its_licences() -> None:
    vendored = CONSOLE_DIRECTORY / "vendor" / "echarts.min.js"
    content = vendored.read_bytes()
    assert f'version="{ECHARTS_VERSION}"'.encode() in content
    assert f"sha384-{base64.b64encode(hashlib.sha384(content).digest()).decode()}" == ECHARTS_INTEGRITY
    assert f'integrity="{ECHARTS_INTEGRITY}"' in (CONSOLE_DIRECTORY / "index.html").read_text()
    assert f"ECHARTS_VERSION := {ECHARTS_VERSION}" in (ROOT / "Makefile").read_text()
    for licence in ("LICENSE", "NOTICE", "LICENSE-d3"):
        assert (CONSOLE_DIRECTORY / "vendor" / licence).stat().st_size > 0


def test_the_console_s_own_files_load_nothing_from_elsewhere() -> None:
    for path in CONSOLE_DIRECTORY.glob("*.*"):
        text = path.read_text()
        assert not re.search(r"https?://", text), path.name
        assert 'localStorage.setItem("console.token' not in text
    api = (CONSOLE_DIRECTORY / "api.js").read_text()
    assert "localStorage" not in api and "sessionStorage" not in api  # the token stays in memory

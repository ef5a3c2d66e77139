"""``hub demo``: the five sandbox providers and the hub on the embedded default, ready to click."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import typer

from connectors.config import write_sandbox_sources_file
from foundation.logging import configure_logging
from foundation.settings import Settings
from hub.app import create_app
from hub.cli.demo_access import DemoAccess, prepare_demo
from hub.cli.demo_anchor import demo_anchor_file
from hub.cli.settings_option import settings_or_exit
from hub.gc_freeze import prepare_collector
from hub.malloc import limit_malloc_arenas
from hub.migrate import upgrade
from hub.server import embedded
from sandbox.control import SandboxControl
from sandbox.runner import BASE_PORT, DEFAULT_PORTS, DEFAULT_SEED, DEFAULT_SIZE, run_sandboxes
from schema.graphiql import sample_profile_query


def sample_query(code: str) -> str:
    """The sample profile query GraphiQL opens with, and its variables for ``code`` as a comment."""
    return sample_profile_query() + f"# Variables: {json.dumps({'code': code})}"


def assess_mutation(code: str) -> str:
    return (
        "mutation {\n"
        f'  assess(creditCode: "{code}", product: "electricity-loan") {{\n'
        "    id decision score rating creditLineYuan\n"
        "    reasons { code message inputs threshold }\n"
        "  }\n"
        "}"
    )


def known_everywhere(sandbox: SandboxControl, limit: int = 10_000) -> list[str]:
    """The firms every provider lists (some list only part of the universe: customs, its exporters), in
    the first provider's order."""
    listings = [sandbox.credit_codes(limit, provider=name) for name in sandbox.urls]
    others = [set(listing) for listing in listings[1:]]
    return [code for code in listings[0] if all(code in listing for listing in others)]


def demo(
    port: int | None = typer.Option(None, help="Hub port (default HUB_PORT, 8000)."),
    sandbox_port: int = typer.Option(
        BASE_PORT,
        help=f"First of {len(DEFAULT_PORTS)} consecutive sandbox ports ({', '.join(DEFAULT_PORTS)}).",
    ),
    seed: int = typer.Option(DEFAULT_SEED, help="Seed of the sandbox's synthetic universe."),
    size: int = typer.Option(DEFAULT_SIZE, min=10, help="Number of firms in the sandbox's universe."),
) -> None:
    """Start the sandbox providers and the hub (SQLite + memory cache); print where to click and a token."""
    limit_malloc_arenas()
    overrides: dict[str, object] = {"env": "dev"}
    if port is not None:
        overrides["port"] = port
    ports = {name: sandbox_port + default - BASE_PORT for name, default in DEFAULT_PORTS.items()}
    settings = settings_or_exit(**overrides)
    if settings.sources_file is None and ports != DEFAULT_PORTS:
        # The built-in sandbox sources name the default ports: point the hub at the ports asked for.
        urls = {name: f"http://127.0.0.1:{number}" for name, number in ports.items()}
        overrides["sources_file"] = write_sandbox_sources_file(Path("var/demo-sources.toml"), urls)
        settings = settings_or_exit(**overrides)
    if settings.audit_anchor_file is None:
        overrides["audit_anchor_file"] = demo_anchor_file(settings)
        settings = settings_or_exit(**overrides)
    configure_logging("WARNING", json=False)
    upgrade(settings)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(settings.host, settings.port, ports, settings, seed=seed, size=size))


async def _run(
    host: str, port: int, ports: dict[str, int], settings: Settings, *, seed: int, size: int
) -> None:
    async with run_sandboxes(host="127.0.0.1", ports=ports, seed=seed, size=size) as urls:
        app = create_app(settings)
        prepare_collector()
        async with embedded(app, settings) as serving:
            with SandboxControl(urls) as sandbox:
                everyone = await asyncio.to_thread(sandbox.credit_codes, 10_000)
                core = await asyncio.to_thread(sandbox.credit_codes, 1, True)
                shown = (await asyncio.to_thread(known_everywhere, sandbox)) or everyone
                fixtures = await asyncio.to_thread(sandbox.fixture_codes)
            access = await prepare_demo(app.state.services, everyone)
            borrower = fixtures.get("electricity-eligible", shown[0])
            _print_banner(f"http://{host}:{port}", urls, access, core[0], shown[0], borrower, settings)
            await serving


def _print_banner(
    hub_url: str,
    urls: dict[str, str],
    access: DemoAccess,
    core_code: str,
    firm_code: str,
    borrower_code: str,
    settings: Settings,
) -> None:
    header = json.dumps({"Authorization": f"Bearer {access.access_token}"})
    lines = [
        "",
        "Enterprise-data hub demo is running (SQLite ./hub.db + memory cache). Ctrl-C stops it.",
        "",
        f"  Console       {hub_url}/console#token={access.access_token}&code={firm_code}",
        f"                (signed in with the demo client's token; or sign in as {access.client_id})",
        f"  GraphiQL      {hub_url}/graphql#token={access.access_token}&code={firm_code}",
        "                (the sample query below with the token in its headers: click ▶)",
        f"  Bearer token  {access.access_token}",
        f"  (paste into GraphiQL's Headers tab: {header})",
        "",
        "  Sandbox providers: " + ", ".join(f"{name} {url}" for name, url in urls.items()),
        "",
        "  A sample query (the profile of a demo firm every source knows):",
        *("    " + line for line in sample_query(firm_code).splitlines()),
        "",
        f'  A core enterprise for supplyChain(coreCreditCode: "{core_code}")',
        "",
        "  Assess a firm with the demo bank's electricity loan (its products: electricity-loan, tax-loan,",
        "  receivable-loan, logistics-loan, published from the shipped templates; the sandbox's fixture",
        "  firms, GET /_sandbox/fixtures, show each rule: try electricity-arrears or young-firm):",
        *("    " + line for line in assess_mutation(borrower_code).splitlines()),
        "",
        "  Check the audit log (hash chain and its anchor outside the database):",
        f"    HUB_AUDIT_ANCHOR_FILE={settings.audit_anchor_file} hub audit verify",
        "",
        "  Get a fresh token with curl (client credentials):",
        f"    curl -s -u {access.client_id}:{access.client_secret} -d grant_type=client_credentials \\",
        f"      {hub_url}/oauth/token",
        "  Query with curl:",
        f"    curl -s {hub_url}/graphql -H 'Authorization: Bearer <token>' \\",
        "      -H 'Content-Type: application/json' \\",
        f"      -d '{_curl_body(firm_code)}'",
        "",
    ]
    typer.echo("\n".join(lines))


def _curl_body(credit_code: str) -> str:
    query = f'{{ enterprise(creditCode: "{credit_code}") {{ name region {{ city }} }} }}'
    return json.dumps({"query": query})

"""``hub demo`` as README runs it, in a fresh folder: the banner's token reads a profile over HTTP, and a
consent withdrawn from another process (the CLI) counts within the access refresh interval."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from sandbox.ground_truth import ground_truth
from sandbox.runner import DEFAULT_PORTS
from sandbox.universe import build_universe
from tests.fixtures.ports import free_port_block

HUB = str(Path(sys.executable).with_name("hub"))
QUERY = '{ enterprise(creditCode: "%s") { name tax { grade } } }'


@dataclass(frozen=True)
class Demo:
    banner: str
    hub_port: int
    sandbox_port: int
    environment: dict[str, str]


@contextlib.contextmanager
def running_demo(folder: Path, *arguments: str) -> Iterator[Demo]:
    """``hub demo`` on free ports in ``folder`` (no HUB_ settings of ours), until its banner is printed."""
    hub_port, sandbox_port = free_port_block(1), free_port_block(len(DEFAULT_PORTS))
    environment = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    log_path = folder / "demo.log"
    command = [HUB, "demo", "--port", str(hub_port), "--sandbox-port", str(sandbox_port), *arguments]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield Demo(_wait_for_banner(log_path, process), hub_port, sandbox_port, environment)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_demo_serves_the_printed_token_and_follows_a_withdrawal(tmp_path: Path) -> None:
    with running_demo(tmp_path) as demo:
        banner, hub_port, environment = demo.banner, demo.hub_port, demo.environment
        token = re.search(r"Bearer token\s+(\S+)", banner)
        firm = re.search(r'Variables: \{"code": "(\w+)"\}', banner)
        assert token and firm, banner
        # Links that sign in: the console on the firm's page, GraphiQL with the token in its headers.
        base = f"http://127.0.0.1:{hub_port}"
        assert f"Console       {base}/console#token={token[1]}&code={firm[1]}" in banner
        assert f"GraphiQL      {base}/graphql#token={token[1]}&code={firm[1]}" in banner
        url = f"http://127.0.0.1:{hub_port}/graphql"
        headers = {"Authorization": f"Bearer {token[1]}"}
        answer = httpx.post(url, json={"query": QUERY % firm[1]}, headers=headers, timeout=30).json()
        assert "errors" not in answer, answer
        assert answer["data"]["enterprise"]["tax"]["grade"]

        # The demo bank owns the four templates as products; the banner's assessment runs as printed.
        assess = re.search(r"\n(    mutation \{\n.*?\n    \})", banner, re.DOTALL)
        assert assess, banner
        mutation = "\n".join(line[4:] for line in assess[1].splitlines())
        assessed = httpx.post(url, json={"query": mutation}, headers=headers, timeout=30).json()
        assert "errors" not in assessed, assessed
        assert assessed["data"]["assess"]["decision"] == "ELIGIBLE"  # the electricity-eligible fixture firm
        products = httpx.post(url, json={"query": "{ products { key } }"}, headers=headers, timeout=30).json()
        assert sorted(product["key"] for product in products["data"]["products"]) == [
            "electricity-loan",
            "logistics-loan",
            "receivable-loan",
            "tax-loan",
        ]

        withdrawn = subprocess.run(
            [
                HUB,
                "consent",
                "withdraw",
                "--tenant",
                "demo-bank",
                "--credit-code",
                firm[1],
                "--sources",
                "tax",
            ],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert withdrawn.returncode == 0, withdrawn.stderr
        time.sleep(0.5)  # HUB_ACCESS_REFRESH_MS is 250 by default: another process's change counts by then
        again = httpx.post(url, json={"query": QUERY % firm[1]}, headers=headers, timeout=30).json()
        assert again["data"]["enterprise"]["tax"] is None
        assert [error["extensions"]["code"] for error in again["errors"]] == ["NO_CONSENT"]


def _wait_for_banner(log_path: Path, demo: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if "Query with curl" in text:
            return text
        assert demo.poll() is None, f"hub demo exited early:\n{text}"
        time.sleep(0.2)
    raise AssertionError(f"no banner within 90 s:\n{log_path.read_text(errors='replace')}")


def test_demo_runs_the_universe_of_the_seed_and_size_asked_for(tmp_path: Path) -> None:
    with running_demo(tmp_path, "--seed", "7", "--size", "300") as demo:
        banner, sandbox_port = demo.banner, demo.sandbox_port
        firm = re.search(r'Variables: \{"code": "(\w+)"\}', banner)
        universe = build_universe(7, 300)
        assert firm and firm[1] in universe.by_code, banner
        listing = httpx.get(
            f"http://127.0.0.1:{sandbox_port}/_sandbox/enterprises", params={"limit": 1}
        ).json()
        assert (listing["total"], listing["creditCodes"]) == (300, [universe.firms[0].credit_code])
        cases = httpx.get(f"http://127.0.0.1:{sandbox_port}/_sandbox/anomalies", timeout=30).json()[
            "anomalies"
        ]
        assert cases == json.loads(json.dumps(list(ground_truth(universe))))

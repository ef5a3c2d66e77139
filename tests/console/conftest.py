"""A real browser on the console: Debian's chromium driven headless by Selenium through
``/usr/bin/chromedriver`` (``.ci/run`` installs both with apt-get; nothing downloads a browser), against
``hub demo`` started as README runs it. Without chromium the browser tests skip, and fail under CI=true.
A failing test leaves a screenshot in ``tests/console/artifacts/``."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox.runner import DEFAULT_PORTS
from tests.cli.test_demo import HUB, _wait_for_banner
from tests.fixtures.ports import free_port_block

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"
# Scopes of a second client of the demo bank: every source but tax (its card shows FORBIDDEN).
WITHOUT_TAX = "registry:read electricity:read logistics:read trade:read customs:read products:read"


def require_chromium() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    message = f"{CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install -y chromium chromium-driver)"
    if IN_CI:
        pytest.fail(f"{message}; CI must run the browser tests (.ci/run installs them)")
    pytest.skip(message)


@dataclass
class Demo:
    """``hub demo`` running: its URL, the banner's token and firms, and a client without tax:read."""

    url: str
    token: str
    firm: str
    core: str
    client_id: str
    client_secret: str
    directory: Path
    environment: dict[str, str]

    def client_without_tax(self) -> dict[str, Any]:
        created = subprocess.run(
            [HUB, "clients", "create", "--tenant", "demo-bank", "--scopes", WITHOUT_TAX, "--json"],
            cwd=self.directory,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert created.returncode == 0, created.stderr
        document: dict[str, Any] = json.loads(created.stdout)
        return document


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    require_chromium()
    directory = tmp_path_factory.mktemp("console-demo")
    hub_port, sandbox_port = free_port_block(1), free_port_block(len(DEFAULT_PORTS))
    environment = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    log_path = directory / "demo.log"
    command = [HUB, "demo", "--port", str(hub_port), "--sandbox-port", str(sandbox_port), "--size", "200"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=directory, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        banner = _wait_for_banner(log_path, process)
        token = re.search(r"Bearer token\s+(\S+)", banner)
        firm = re.search(r'Variables: \{"code": "(\w+)"\}', banner)
        core = re.search(r'supplyChain\(coreCreditCode: "(\w+)"\)', banner)
        secret = re.search(r"curl -s -u ([\w-]+):(\S+) -d grant_type", banner)
        assert token and firm and core and secret, banner
        yield Demo(
            url=f"http://127.0.0.1:{hub_port}",
            token=token[1],
            firm=firm[1],
            core=core[1],
            client_id=secret[1],
            client_secret=secret[2],
            directory=directory,
            environment=environment,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_script_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_OUTCOME] = report
    return report


_OUTCOME = pytest.StashKey[pytest.TestReport]()


@pytest.fixture
def browser(driver: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The session's browser on a fresh page at 1280×800; a screenshot of it kept if the test fails."""
    driver.set_window_size(1280, 800)
    driver.get("about:blank")
    driver.delete_all_cookies()
    yield driver
    report = request.node.stash.get(_OUTCOME, None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        (ARTIFACTS / f"{name}.log").write_text(
            "\n".join(str(entry) for entry in driver.get_log("browser")) + "\n\n" + driver.page_source
        )


__all__ = ["Demo"]

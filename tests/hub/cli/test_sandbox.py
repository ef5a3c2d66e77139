"""``hub sandbox`` as a user runs it: a real process on consecutive ports, stopped with Ctrl-C or SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hub.cli import app
from sandbox.ground_truth import ground_truth
from sandbox.universe import build_universe
from tests.sandbox.clients import REGISTRY_HEADERS

HUB = Path(sys.executable).with_name("hub")


def _free_port_pair() -> int:
    """A port P with P + 1 free too (the command takes consecutive ports)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        with socket.socket() as first, socket.socket() as second:
            try:
                first.bind(("127.0.0.1", port))
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no two consecutive free ports")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_runs_the_chosen_providers_on_consecutive_ports_until_stopped(stop_signal: signal.Signals) -> None:
    port = _free_port_pair()
    command = [
        str(HUB),
        "sandbox",
        "--provider",
        "registry",
        "--provider",
        "tax",
        "--port",
        str(port),
        "--size",
        "50",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert lines[0].split()[:2] == ["registry", f"http://127.0.0.1:{port}"]
        assert "sandbox-registry-key" in lines[0]
        assert lines[1].split()[:2] == ["tax", f"http://127.0.0.1:{port + 1}"]
        code = httpx.get(f"http://127.0.0.1:{port}/_sandbox/enterprises", params={"limit": 1}).json()
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/enterprises/{code['creditCodes'][0]}", headers=REGISTRY_HEADERS
        )
        assert response.status_code == 200
    finally:
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "sandbox stopped" in out


def test_serves_the_universe_of_the_seed_and_size_asked_for() -> None:
    port = _free_port_pair()
    command = [
        str(HUB),
        "sandbox",
        "--provider",
        "trade",
        "--port",
        str(port),
        "--seed",
        "7",
        "--size",
        "300",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[1].startswith("universe: seed 7, 300 firms"), lines
        base = f"http://127.0.0.1:{port}/_sandbox"
        listing = httpx.get(f"{base}/enterprises", params={"limit": 1}).json()
        universe = build_universe(7, 300)
        assert (listing["total"], listing["creditCodes"]) == (300, [universe.firms[0].credit_code])
        expected = json.loads(json.dumps(list(ground_truth(universe))))
        assert httpx.get(f"{base}/anomalies", timeout=30).json() == {"anomalies": expected}
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
    assert process.returncode == 0


def test_refuses_an_unknown_provider_and_bad_faults() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["sandbox", "--provider", "weather"]).exit_code == 2
    assert runner.invoke(app, ["sandbox", "--error-rate", "3"]).exit_code == 2
    assert runner.invoke(app, ["sandbox", "--credential", "registry"]).exit_code == 2

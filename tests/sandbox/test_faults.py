"""Faults on demand, over real HTTP: down, errors, latency, hangs, rate limits, stats; /_sandbox untouched."""

from __future__ import annotations

import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.control import SandboxControl
from sandbox.faults import FaultMiddleware, FaultSettings, FaultState
from tests.sandbox.clients import REGISTRY_HEADERS


def _registry(sandbox: SandboxControl, code: str, timeout: float = 5) -> httpx.Response:
    return httpx.get(
        f"{sandbox.urls['registry']}/v1/enterprises/{code}", headers=REGISTRY_HEADERS, timeout=timeout
    )


def test_down_answers_503_but_not_on_sandbox_routes(clean_sandbox: SandboxControl) -> None:
    code = clean_sandbox.credit_codes(limit=1)[0]
    clean_sandbox.set_faults("registry", down=True)
    response = _registry(clean_sandbox, code)
    assert (response.status_code, response.json()["error"]) == (503, "down")
    assert clean_sandbox.credit_codes(limit=1) == [code]  # /_sandbox still answers
    clean_sandbox.reset_faults("registry")
    assert _registry(clean_sandbox, code).status_code == 200


def test_tax_faults_answer_in_xml(clean_sandbox: SandboxControl) -> None:
    clean_sandbox.set_faults("tax", down=True)
    response = httpx.get(f"{clean_sandbox.urls['tax']}/api/tax/v1/taxpayers/x/profile")
    assert response.status_code == 503
    assert "<Code>down</Code>" in response.text


def test_error_rate_is_a_deterministic_sequence(clean_sandbox: SandboxControl) -> None:
    code = clean_sandbox.credit_codes(limit=1)[0]
    runs = []
    for _ in range(2):
        clean_sandbox.set_faults("registry", error_rate=0.5, error_status=500)
        runs.append([_registry(clean_sandbox, code).status_code for _ in range(20)])
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 500}


def test_latency_and_jitter(clean_sandbox: SandboxControl) -> None:
    code = clean_sandbox.credit_codes(limit=1)[0]
    clean_sandbox.set_faults("registry", latency_ms=300, jitter_ms=50)
    started = time.perf_counter()
    assert _registry(clean_sandbox, code).status_code == 200
    assert 0.3 <= time.perf_counter() - started < 2


def test_hang_makes_clients_time_out(clean_sandbox: SandboxControl) -> None:
    code = clean_sandbox.credit_codes(limit=1)[0]
    clean_sandbox.set_faults("registry", hang_s=5)
    with pytest.raises(httpx.ReadTimeout):
        _registry(clean_sandbox, code, timeout=0.3)


def test_rate_limit_is_per_credential(clean_sandbox: SandboxControl) -> None:
    code = clean_sandbox.credit_codes(limit=1)[0]
    clean_sandbox.set_faults("registry", rate_limit_per_s=1)
    statuses = [_registry(clean_sandbox, code).status_code for _ in range(3)]
    assert statuses[0] == 200 and 429 in statuses
    # another key has its own bucket (and is then refused for being wrong, not for being limited)
    other = httpx.get(
        f"{clean_sandbox.urls['registry']}/v1/enterprises/{code}", headers={"X-API-Key": "another-key"}
    )
    assert other.status_code == 403


def test_stats_count_requests_per_path_template(clean_sandbox: SandboxControl) -> None:
    codes = clean_sandbox.credit_codes(limit=3)
    for code in codes:
        _registry(clean_sandbox, code)
    assert clean_sandbox.stats("registry") == {"requests": {"/v1/enterprises/{creditCode}": 3}, "total": 3}
    clean_sandbox.reset_stats("registry")
    assert clean_sandbox.stats("registry")["total"] == 0


def test_fault_settings_are_validated(clean_sandbox: SandboxControl) -> None:
    url = f"{clean_sandbox.urls['logistics']}/_sandbox/faults"
    for bad in ({"error_rate": 2}, {"nope": 1}, {"down": "yes"}, {"latency_ms": -1}, {"error_status": 404}):
        response = httpx.post(url, json=bad)
        assert (response.status_code, response.json()["error"]) == (400, "bad_faults"), bad
    assert httpx.post(url, content=b"[1]").status_code == 400
    assert httpx.post(url, json={"latency_ms": 5}).json()["latency_ms"] == 5
    assert httpx.delete(url).json()["latency_ms"] == 0
    assert httpx.get(url).json()["down"] is False


async def test_the_providers_work_runs_within_the_latency() -> None:
    """A provider at 300 ms answers 300 ms after the request arrived, its own work done meanwhile (not
    after the latency, which would make every round trip slower than the setting says)."""
    seen: dict[str, float] = {}

    async def endpoint(request: Request) -> Response:
        seen["work"] = time.monotonic()
        return PlainTextResponse("ok")

    routes: list[BaseRoute] = [Route("/data", endpoint)]
    state = FaultState(seed=1, defaults=FaultSettings(latency_ms=300))
    app = FaultMiddleware(
        Starlette(routes=routes),
        state=state,
        routes=routes,
        render_error=lambda status, code, message, headers: PlainTextResponse(code, status),
        credential_of=lambda request: "client",
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox") as client:
        arrived = time.monotonic()
        response = await client.get("/data")
        answered = time.monotonic()
        assert response.text == "ok"
        assert seen["work"] - arrived < 0.3 <= answered - arrived
        state.apply(FaultSettings(latency_ms=300, error_rate=1.0))
        arrived = time.monotonic()
        assert (await client.get("/data")).status_code == 503
        assert time.monotonic() - arrived >= 0.3

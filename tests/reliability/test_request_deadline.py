"""A slow source does not hold the answer: a request's reads answer by its deadline (``read_deadline_s``)
from the last snapshot (stale) or with SOURCE_UNAVAILABLE, the fetch finishing behind the answer and filling
the cache; and no retry starts that would end past the deadline. Real hub, real sandbox, real HTTP."""

from __future__ import annotations

import asyncio
import time

from bench.queries import Answer, profile_query
from sandbox.control import SandboxControl
from tests.reliability.conftest import PATIENT_SOURCES, HubFactory, RunningHub

TAX = profile_query(["tax"])
LOGISTICS = profile_query(["logistics"])
REGISTRY = profile_query([])
SHORT = {"read_deadline_s": 0.4}
SLOW_MS = 3000


async def timed(hub: RunningHub, query: str, code: str) -> tuple[Answer, float]:
    started = time.perf_counter()
    answer = await hub.query(query, code=code)
    return answer, time.perf_counter() - started


async def test_a_slow_source_is_served_stale_and_refreshed_behind_the_answer(
    start_hub: HubFactory, codes: list[str], clean_sandbox: SandboxControl
) -> None:
    code = codes[20]
    # a replica that read the firm while tax was quick (patient: a loaded machine must not fail the set-up)
    async with start_hub(**PATIENT_SOURCES) as first:
        before = await first.query(TAX, code=code)
    assert before.clean
    clean_sandbox.set_faults("tax", latency_ms=SLOW_MS)
    clean_sandbox.reset_stats("tax")

    async with start_hub(SHORT, **PATIENT_SOURCES) as hub:
        answer, elapsed = await timed(hub, TAX, code)
        assert answer.clean
        assert answer.data["enterprise"]["tax"]["freshness"]["stale"] is True
        assert elapsed < SLOW_MS / 1000, f"{elapsed:.2f} s: the answer waited for the slow upstream"

        async with asyncio.timeout(30):  # the fetch goes on and lands in the cache
            while True:
                await asyncio.sleep(0.3)
                again = await hub.query(TAX, code=code)
                if again.clean and again.data["enterprise"]["tax"]["freshness"]["stale"] is False:
                    break
        fetches = clean_sandbox.stats("tax")["requests"]

    assert fetches, "the background fetch reached the upstream"
    # one fetch's requests, not one per query: later reads joined the flight, then hit the cache
    clean_sandbox.reset_faults("tax")
    clean_sandbox.reset_stats("tax")
    async with start_hub(**PATIENT_SOURCES) as cold:  # patient: a timeout's retry would add requests
        await cold.query(TAX, code=codes[21])
    assert sum(fetches.values()) == clean_sandbox.stats("tax")["total"]


async def test_without_a_snapshot_the_slow_source_is_unavailable_naming_the_deadline(
    start_hub: HubFactory, codes: list[str], clean_sandbox: SandboxControl
) -> None:
    clean_sandbox.set_faults("logistics", latency_ms=SLOW_MS)
    async with start_hub(SHORT, **PATIENT_SOURCES) as hub:
        answer, elapsed = await timed(hub, LOGISTICS, codes[22])

    assert elapsed < SLOW_MS / 1000, f"{elapsed:.2f} s: the answer waited for the slow upstream"
    assert answer.data["enterprise"]["logistics"] is None
    assert answer.data["enterprise"]["name"]  # the registry answered in time: only one field degrades
    assert answer.codes_at("enterprise", "logistics") == {"SOURCE_UNAVAILABLE"}
    [error] = answer.errors
    assert "0.4 s deadline" in error["message"]


async def test_no_retry_starts_past_the_request_deadline(
    start_hub: HubFactory, codes: list[str], clean_sandbox: SandboxControl
) -> None:
    clean_sandbox.set_faults("registry", error_rate=1.0, error_status=503)
    retrying = {"retries": 6, "backoff_initial_s": 0.15, "backoff_max_s": 0.15, **PATIENT_SOURCES}

    clean_sandbox.reset_stats("registry")
    async with start_hub(SHORT, **retrying) as hub:
        answer = await hub.query(REGISTRY, code=codes[23])
        await asyncio.sleep(1.0)  # whatever runs behind the answer has time to retry, if it would
    within_deadline = clean_sandbox.stats("registry")["total"]
    assert answer.codes_at("enterprise") == {"SOURCE_UNAVAILABLE"}

    clean_sandbox.reset_stats("registry")
    async with start_hub(**retrying) as patient:  # the tests' default: a deadline far off
        await patient.query(REGISTRY, code=codes[24])
    assert clean_sandbox.stats("registry")["total"] == 7  # the first attempt and six retries
    assert within_deadline <= 3, f"{within_deadline} attempts within a 0.4 s deadline at 0.15-0.3 s apart"

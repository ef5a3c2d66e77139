"""Precision and recall as bench/verification.py computes them, on a small planted universe (300 firms,
seed 7) served over HTTP: the hub's checks, reading through the read path, catch every planted case and
flag no other firm; and the computation itself counts a missed or a wrongly flagged firm as it should."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import pytest
from aiocache.base import BaseCache
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.principal import READ_SCOPES, Principal
from bench.verification import Score, flagged_by_check, score, truth_by_kind
from connectors.config import sandbox_sources
from foundation.settings import Settings
from hub.sources.reader import SourceReader
from hub.verification.checks import verify
from hub.verification.edges import EdgesMemo
from hub.verification.reading import read_neighbourhoods
from sandbox.control import SandboxControl
from sandbox.runner import SandboxThread
from tests.verification.records import AS_OF

SEED, SIZE = 7, 300
EVERY_SOURCE = frozenset({"registry", "trade", "tax", "electricity", "logistics", "customs"})


class Everyone:
    """Every firm consents to everything."""

    async def live_consents(self, tenant_id: str, credit_codes: Sequence[str]) -> dict[str, frozenset[str]]:
        return dict.fromkeys(credit_codes, EVERY_SOURCE)


@pytest.fixture(scope="module")
def small() -> Iterator[SandboxControl]:
    runner = SandboxThread(seed=SEED, size=SIZE)
    runner.start()
    control = SandboxControl(runner.urls)
    control.set_faults("trade", rate_limit_per_s=0)  # the provider's own limit would only slow the test
    yield control
    control.close()
    runner.stop()


@pytest.fixture
async def small_reader(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], cache: BaseCache, small: SandboxControl
) -> AsyncIterator[SourceReader]:
    reader = SourceReader.create(settings, sessions, cache, sandbox_sources(small.urls, retries=1))
    yield reader
    await reader.aclose()


async def findings_of(reader: SourceReader, codes: list[str]) -> dict[str, list[dict[str, Any]]]:
    principal = Principal("bank", "bench", READ_SCOPES)
    found: dict[str, list[dict[str, Any]]] = {}
    memo = EdgesMemo()
    for start in range(0, len(codes), 100):
        batch = codes[start : start + 100]
        inputs = await read_neighbourhoods(reader, Everyone(), principal, batch, as_of=AS_OF, memo=memo)
        for code in batch:
            checks = verify(inputs[code], as_of=AS_OF)
            found[code] = [{"code": check.code, "status": check.status} for check in checks]
    return found


# The storage backend does not change what is caught: one is enough for this slower test.
@pytest.mark.parametrize("backend", ["sqlite-memory"], indirect=True)
async def test_every_planted_kind_is_caught_and_nothing_else(
    small: SandboxControl, small_reader: SourceReader
) -> None:
    codes = small.credit_codes(limit=SIZE)
    truth = truth_by_kind(small.anomalies())
    assert len(truth) == 7  # every kind planted at least once, even in a small universe
    flagged = flagged_by_check(await findings_of(small_reader, codes))
    scores = score(truth, flagged, set(codes))
    assert [(s.kind, s.precision, s.recall) for s in scores] == [(kind, 1.0, 1.0) for kind in sorted(truth)]
    assert all(entry.met for entry in scores)


def test_a_missed_and_a_wrongly_flagged_firm_count() -> None:
    truth = {"SALES_SPIKE": {"a", "b", "c", "d"}, "CIRCULAR_TRADE": {"e"}}
    flagged = flagged_by_check(
        {
            "a": [{"code": "SALES_SPIKE", "status": "FLAG"}],
            "b": [{"code": "SALES_SPIKE", "status": "FLAG"}],
            "c": [{"code": "SALES_SPIKE", "status": "FLAG"}],
            "d": [{"code": "SALES_SPIKE", "status": "PASS"}],  # missed
            "x": [{"code": "SALES_SPIKE", "status": "FLAG"}],  # not planted
            "outside": [{"code": "CIRCULAR_TRADE", "status": "FLAG"}],  # not in the universe scored
        }
    )
    scores = {entry.kind: entry for entry in score(truth, flagged, {"a", "b", "c", "d", "e", "x"})}
    assert scores["SALES_SPIKE"] == Score("SALES_SPIKE", planted=4, flagged=4, caught=3)
    assert (scores["SALES_SPIKE"].precision, scores["SALES_SPIKE"].recall) == (0.75, 0.75)
    assert not scores["SALES_SPIKE"].met
    assert scores["CIRCULAR_TRADE"] == Score("CIRCULAR_TRADE", planted=1, flagged=0, caught=0)
    assert (scores["CIRCULAR_TRADE"].precision, scores["CIRCULAR_TRADE"].recall) == (1.0, 0.0)

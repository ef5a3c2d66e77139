"""Verification measured against the sandbox's planted cases: precision and recall per kind, and speed.

For each seed, a 2,000-firm universe in which the sandbox plants fraud cases (rings of related firms,
orders without shipments, inflated platform sales, spikes, energy/output divergence, duplicate
receivables) beside honest look-alikes, and lists them at ``GET /_sandbox/anomalies`` — which only this
benchmark and the tests read, never the hub. Every firm consents; every firm's ``verification`` is asked
for in batches of 100 (cold, which fills the cache), then again (warm: the time goal); a kind's
predicted firms are those its check FLAGs. Last, a core enterprise's ``supplyChain(depth: 2) { anomalies }``.

    .venv/bin/python -m bench.verification [--seeds 20261125,7,99] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from auth.principal import READ_SCOPES, VERIFICATION_SCOPES
from bench.harness import Stack, argument_parser, backend_label, bench_stack
from bench.report import run_and_report, section, table

SIZE = 2000
BATCH = 100
GOAL = 0.9
GOAL_ALL_S = 30.0
GOAL_CHAIN_S = 2.0
VERIFY = """query ($codes: [ID!]!) {
  enterprises(creditCodes: $codes) { creditCode verification { checks { code status severity } } }
}"""
CHAIN = """query ($core: ID!) {
  supplyChain(coreCreditCode: $core, depth: 2) {
    suppliers { creditCode } anomalies { code severity creditCodes }
  }
}"""


@dataclass(frozen=True)
class Score:
    kind: str
    planted: int  # firms the ground truth lists for the kind
    flagged: int  # firms the check flagged
    caught: int  # in both

    @property
    def precision(self) -> float:
        return self.caught / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.caught / self.planted if self.planted else 1.0

    @property
    def met(self) -> bool:
        return self.precision >= GOAL and self.recall >= GOAL


def truth_by_kind(anomalies: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """The ground truth as {kind: every firm one of its planted cases lists}."""
    truth: dict[str, set[str]] = {}
    for anomaly in anomalies:
        truth.setdefault(str(anomaly["kind"]), set()).update(str(code) for code in anomaly["creditCodes"])
    return truth


def flagged_by_check(findings: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, set[str]]:
    """{check code: firms it flagged} from {credit code: its checks}."""
    flagged: dict[str, set[str]] = {}
    for code, checks in findings.items():
        for check in checks:
            if check["status"] == "FLAG":
                flagged.setdefault(str(check["code"]), set()).add(code)
    return flagged


def score(truth: Mapping[str, set[str]], flagged: Mapping[str, set[str]], universe: set[str]) -> list[Score]:
    """Precision and recall of every planted kind, over the firms in ``universe`` only."""
    return [
        Score(
            kind,
            len(planted & universe),
            len(flagged.get(kind, set()) & universe),
            len(planted & flagged.get(kind, set()) & universe),
        )
        for kind, planted in sorted(truth.items())
    ]


async def verify_all(
    stack: Stack, http: httpx.AsyncClient, codes: list[str]
) -> dict[str, list[dict[str, Any]]]:
    findings: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(codes), BATCH):
        answer = await stack.query(http, VERIFY, codes=codes[start : start + BATCH])
        if not answer.clean:
            raise RuntimeError(f"verification failed: {answer.errors[:2]}")
        for firm in answer.data["enterprises"]:
            findings[firm["creditCode"]] = firm["verification"]["checks"]
    return findings


@dataclass(frozen=True)
class SeedResult:
    seed: int
    scores: list[Score]
    cold_s: float
    warm_s: float
    chain_s: float
    chain_members: int
    chain_anomalies: int


async def measure(options: argparse.Namespace, seed: int) -> SeedResult:
    async with (
        bench_stack(
            options, size=SIZE, consented=SIZE, scopes=READ_SCOPES | VERIFICATION_SCOPES, seed=seed
        ) as stack,
        httpx.AsyncClient(timeout=600) as http,
    ):
        # The trade sandbox's own rate limit (50 req/s) would measure the sandbox, not the hub.
        await stack.sandboxes.set_faults("trade", rate_limit_per_s=0)
        started = time.perf_counter()
        await verify_all(stack, http, stack.codes)
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        findings = await verify_all(stack, http, stack.codes)
        warm_s = time.perf_counter() - started
        anomalies = await _anomalies(stack)
        [core] = await stack.sandboxes.credit_codes(1, core=True)
        await stack.query(http, CHAIN, core=core)  # warm the chain's records
        started = time.perf_counter()
        chain = await stack.query(http, CHAIN, core=core)
        chain_s = time.perf_counter() - started
    if not chain.clean:
        raise RuntimeError(f"supplyChain failed: {chain.errors[:2]}")
    scores = score(truth_by_kind(anomalies), flagged_by_check(findings), set(stack.codes))
    chain_data = chain.data["supplyChain"]
    return SeedResult(
        seed, scores, cold_s, warm_s, chain_s, len(chain_data["suppliers"]), len(chain_data["anomalies"])
    )


async def _anomalies(stack: Stack) -> list[dict[str, Any]]:
    return await asyncio.to_thread(stack.sandboxes.control.anomalies)


async def run(options: argparse.Namespace) -> str:
    seeds = [int(seed) for seed in options.seeds.split(",")]
    results = [await measure(options, seed) for seed in seeds]
    rows = []
    for result in results:
        for entry in result.scores:
            rows.append(
                [
                    result.seed,
                    entry.kind,
                    entry.planted,
                    entry.flagged,
                    entry.caught,
                    f"{entry.precision:.3f}",
                    f"{entry.recall:.3f}",
                    "yes" if entry.met else "NO",
                ]
            )
    speed = [
        [
            result.seed,
            f"{result.cold_s:.1f} s",
            f"{result.warm_s:.1f} s",
            "met" if result.warm_s < GOAL_ALL_S else "NOT met",
            f"{result.chain_s * 1000:.0f} ms ({result.chain_members} suppliers, "
            f"{result.chain_anomalies} anomalies)",
            "met" if result.chain_s < GOAL_CHAIN_S else "NOT met",
        ]
        for result in results
    ]
    every = all(entry.met for result in results for entry in result.scores)
    body = (
        table(
            ["seed", "planted kind", "planted firms", "flagged", "both", "precision", "recall", "≥ 0.9 both"],
            rows,
        )
        + f"\n\nEvery kind ≥ {GOAL} precision and recall at every seed: {'met' if every else 'NOT met'}.\n\n"
        + table(
            [
                "seed",
                f"verify all {SIZE} firms, cold",
                "again, warm",
                f"< {GOAL_ALL_S:.0f} s",
                "a core's chain at depth 2: anomalies, warm",
                f"< {GOAL_CHAIN_S:.0f} s",
            ],
            speed,
        )
        + "\n\nA planted kind's firms are those its cases list at `GET /_sandbox/anomalies`; flagged, those "
        "its check FLAGs (any severity). BENFORD_DEVIATION is not planted: not measured."
    )
    conditions = (
        f"{SIZE}-firm universes, every firm consenting, batches of {BATCH} firms, sandboxes without added "
        f"latency, {backend_label(options)}"
    )
    return section("verification", "Verification against planted cases", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--seeds", default="20261125,7,99", help="comma-separated universe seeds")
    run_and_report("verification", run, parser.parse_args())


if __name__ == "__main__":
    main()

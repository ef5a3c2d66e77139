"""Monitoring over the 2,000-firm universe with 10,000 registered financings: one answer per grouping.

The sandboxes and a hub start; ``hub sync --all`` stores every firm's registry, electricity and trade
snapshots; 10,000 live financings (five tenants, against confirmed receivables) and 1,000 overdue loan
reports are inserted straight into the tables. The first ``monitoring`` builds the per-firm summaries
(cold); then each grouping is asked ``RUNS`` times by a regulator and by a bank (warm: the goal).

    .venv/bin/python -m bench.monitoring [--postgres] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from auth.clients import ensure_tenant, register_client
from auth.principal import READ_SCOPES
from bench.harness import (
    HUB_EXECUTABLE,
    ClientCredentials,
    Stack,
    argument_parser,
    backend_label,
    bench_stack,
    fetch_token,
)
from bench.queries import post_query
from bench.report import ms, percentile, run_and_report, section, table
from foundation.storage import create_engine, create_session_factory
from foundation.storage.models import Financing, LoanReport, TradeReceivableFact

SIZE = 2000
FINANCINGS = 10_000
OVERDUE = 1_000
TENANTS = ("bench", "bank-b", "bank-c", "bank-d", "bank-e")
RUNS = 20
GOAL_S = 0.5
GROUPINGS = (
    ["PROVINCE"],
    ["CITY"],
    ["COUNTY"],
    ["INDUSTRY"],
    ["CORE_ENTERPRISE"],
    ["COUNTY", "INDUSTRY"],
    ["CITY", "CORE_ENTERPRISE"],
)
QUERY = """query ($groupBy: [MonitoringDimension!]!) {
  monitoring(groupBy: $groupBy) {
    cells {
      key { province city county industry coreEnterprise }
      suppressed firms firmsWithConsent financedFirms financedYuan overdueYuan confirmedReceivablesYuan
      financedByProduct { product amountYuan } financedToConfirmed flags
      own { financedYuan overdueYuan }
    }
    electricityIndex { industry period index }
  }
}"""
PRODUCTS = ("receivable-loan", "electricity-loan", "tax-loan", "logistics-loan")


async def sync_all(stack: Stack) -> float:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        HUB_EXECUTABLE,
        "sync",
        "--all",
        "--sources",
        "registry,electricity,trade",
        env=stack.workspace.environment(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"hub sync failed: {errors.decode()[-2000:]}")
    return time.perf_counter() - started


async def insert_financings(stack: Stack) -> int:
    """10,000 live financings against confirmed receivables, 1,000 overdue loans; the facts' receivables
    are there once the first monitoring answer has built the summaries."""
    engine = create_engine(stack.workspace.settings())
    sessions = create_session_factory(engine)
    rng = random.Random(15)
    now = datetime.now(UTC)
    try:
        async with sessions() as session:
            query = select(
                TradeReceivableFact.receivable_no,
                TradeReceivableFact.creditor_code,
                TradeReceivableFact.debtor_code,
                TradeReceivableFact.amount_fen,
            ).where(TradeReceivableFact.confirmed.is_(True), TradeReceivableFact.settled.is_(False))
            receivables = list(await session.execute(query))
        if not receivables:
            raise RuntimeError("no confirmed receivables in the summaries")
        async with sessions.begin() as session:
            for tenant in TENANTS:
                await ensure_tenant(session, tenant)
        rows: list[Financing | LoanReport] = []
        for number in range(FINANCINGS):
            receivable = receivables[number % len(receivables)]
            rows.append(
                Financing(
                    id=f"F{number:08d}",
                    tenant_id=rng.choice(TENANTS),
                    client_id="bench",
                    receivable_no=f"{receivable.receivable_no}-{number}",
                    root_no=receivable.receivable_no,
                    credit_code=receivable.creditor_code,
                    debtor_code=receivable.debtor_code,
                    amount_fen=max(100, receivable.amount_fen // 4),
                    registration_no=f"REG-{number}",
                    product=rng.choice(PRODUCTS),
                    status="LIVE",
                    created_at=now,
                    released_at=None,
                )
            )
        rows += [
            LoanReport(
                id=f"L{number:08d}",
                tenant_id=rng.choice(TENANTS),
                credit_code=receivables[number % len(receivables)].creditor_code,
                product=rng.choice(PRODUCTS),
                amount_fen=rng.randrange(10_000_00, 500_000_00),
                disbursed_on=date(2024, 1, 1) + timedelta(days=number),
                status="OVERDUE",
                created_at=now,
                updated_at=now,
                reported_by="bench",
            )
            for number in range(OVERDUE)
        ]
        for start in range(0, len(rows), 2000):
            async with sessions.begin() as session:
                session.add_all(rows[start : start + 2000])
        return len(receivables)
    finally:
        await engine.dispose()


async def regulator_token(stack: Stack, http: httpx.AsyncClient) -> str:
    engine = create_engine(stack.workspace.settings())
    try:
        issued = await register_client(
            sessions=create_session_factory(engine),
            tenant_id="regulator",
            scopes=frozenset({"monitoring:read"}),
            kind="regulator",
        )
    finally:
        await engine.dispose()
    return await fetch_token(http, stack.hub_url, ClientCredentials(issued.client_id, issued.client_secret))


async def timed(http: httpx.AsyncClient, stack: Stack, token: str, group_by: list[str]) -> tuple[float, Any]:
    started = time.perf_counter()
    answer = await post_query(http, stack.hub_url, token, QUERY, {"groupBy": group_by})
    elapsed = time.perf_counter() - started
    if answer.errors:
        raise RuntimeError(f"monitoring failed: {answer.errors[:2]}")
    return elapsed, answer.data


async def run(options: argparse.Namespace) -> str:
    async with (
        bench_stack(options, size=SIZE, consented=SIZE, scopes=READ_SCOPES | {"monitoring:read"}) as stack,
        httpx.AsyncClient(timeout=600) as http,
    ):
        await stack.sandboxes.set_faults("trade", rate_limit_per_s=0)
        sync_s = await sync_all(stack)
        regulator = await regulator_token(stack, http)
        cold_s, _ = await timed(http, stack, regulator, ["PROVINCE"])
        receivables = await insert_financings(stack)
        rows = []
        for group_by in GROUPINGS:
            figures: list[object] = [", ".join(group_by)]
            cells = 0
            for who, token in (("regulator", regulator), ("bank", stack.token)):
                times = []
                for _ in range(RUNS):
                    elapsed, data = await timed(http, stack, token, group_by)
                    times.append(elapsed)
                cells = len(data["monitoring"]["cells"])
                p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
                figures += [f"{ms(p50)} / {ms(p95)}", "met" if p95 < GOAL_S else "NOT met"]
                del who
            rows.append([figures[0], cells, *figures[1:]])
    body = (
        table(
            ["groupBy", "cells", "regulator p50 / p95", "< 500 ms", "bank p50 / p95", "< 500 ms"],
            rows,
        )
        + f"\n\n`hub sync --all` of registry, electricity and trade: {sync_s:.1f} s; the first `monitoring` "
        f"(builds the per-firm summaries from the snapshots: {SIZE} firms, their receivables and monthly "
        f"kWh): {ms(cold_s)}. {FINANCINGS:,} live financings over {receivables:,} confirmed receivables and "
        f"{OVERDUE:,} overdue loans of {len(TENANTS)} tenants, inserted into the tables. Times are over HTTP "
        f"({RUNS} runs per grouping and viewer), answers never cached whole."
    )
    conditions = f"{backend_label(options)}, {SIZE}-firm universe, default seed."
    return section("monitoring", "Monitoring by region, industry and core enterprise", body, conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    run_and_report("monitoring", run, parser.parse_args())


if __name__ == "__main__":
    main()

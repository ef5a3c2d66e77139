"""Load generators: wrk (C, when installed) or an async httpx loop, both reporting the same figures.

wrk is preferred: a Python generator on the same two cores competes with the server for CPU and caps the
figures it can show. Both send the same GET request (query and variables in the URL) with the same headers.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass

import httpx

from bench.report import percentile


@dataclass(frozen=True)
class LoadResult:
    generator: str
    requests: int
    requests_per_s: float
    p50_s: float
    p99_s: float
    non_2xx: int


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _duration_s(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """The figures of ``wrk --latency`` output."""
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    requests = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if requests is None or rate is None or set(percentiles) != {"50", "99"}:
        raise ValueError(f"cannot read wrk's output:\n{output}")
    failed = int(non_2xx.group(1)) if non_2xx else 0
    failed += sum(int(count) for count in errors.groups()) if errors else 0
    return LoadResult(
        generator="wrk",
        requests=int(requests.group(1)),
        requests_per_s=float(rate.group(1)),
        p50_s=_duration_s(percentiles["50"]),
        p99_s=_duration_s(percentiles["99"]),
        non_2xx=failed,
    )


async def run_wrk(url: str, headers: dict[str, str], *, connections: int, duration_s: int) -> LoadResult:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(
        *command, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output.decode(errors='replace')}")
    return parse_wrk(output.decode())


async def run_httpx(url: str, headers: dict[str, str], *, connections: int, duration_s: int) -> LoadResult:
    """``connections`` concurrent workers, each sending the next request when the last one answered."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as http:
        started = time.perf_counter()
        deadline = started + duration_s

        async def worker() -> None:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                response = await http.get(url)
                latencies.append(time.perf_counter() - sent)
                statuses[response.status_code] += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return LoadResult(
        generator="httpx",
        requests=len(latencies),
        requests_per_s=len(latencies) / elapsed,
        p50_s=percentile(latencies, 0.5),
        p99_s=percentile(latencies, 0.99),
        non_2xx=sum(count for status, count in statuses.items() if not 200 <= status < 300),
    )


async def run_load(
    generator: str, url: str, headers: dict[str, str], *, connections: int, duration_s: int
) -> LoadResult:
    run = run_wrk if generator == "wrk" else run_httpx
    return await run(url, headers, connections=connections, duration_s=duration_s)

"""Numbers and where they go: percentiles, resident memory, the machine, and BENCHMARKS.md sections.

Each script owns one section of BENCHMARKS.md, delimited by ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->``; ``--write`` replaces that section (or appends it) and leaves the others alone.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import shlex
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCHMARKS_FILE = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
PREAMBLE = """# Benchmarks

Every figure below comes from a script in `bench/` that anyone can re-run; each section gives the command,
the date and the machine. Ratios measured side by side in one run are the claims; absolute times depend
on the machine and are context only. Scripts print their table; `--write` updates their section here.
"""
"""The head of a new BENCHMARKS.md; the file kept in the repository extends it with the goals table."""


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0..1) percentile by linear interpolation between closest ranks; NaN if empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise LookupError(f"{field} missing from /proc/{pid}/status")


def rss_mib(pid: int | None = None) -> float:
    """Resident memory of a process (default: this one) now, MiB."""
    return _status_kib(pid or os.getpid(), "VmRSS") / 1024


def machine() -> str:
    """CPU model, core count and architecture, as ``nproc``, ``uname -m`` and /proc/cpuinfo say."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def command_line() -> str:
    """The command that ran this script, as one would type it again."""
    return shlex.join([".venv/bin/python", "-m", _module_name(), *sys.argv[1:]])


def _module_name() -> str:
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else Path(sys.argv[0]).stem


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (also readable in a terminal)."""
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    lines = [line(cells[0]), separator, *(line(row) for row in cells[1:])]
    return "\n".join(lines)


def section(name: str, title: str, body: str, conditions: str) -> str:
    """A BENCHMARKS.md section: title, command, date, machine, the conditions, then the results."""
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<!-- bench:{name} -->\n## {title}\n\n"
        f"- command: `{command_line()}`\n- date: {today}\n- machine: {machine()}\n"
        f"- conditions: {conditions}\n\n{body.strip()}\n<!-- /bench:{name} -->\n"
    )


def write_section(name: str, text: str, path: Path = BENCHMARKS_FILE) -> None:
    """Replace section ``name`` of BENCHMARKS.md with ``text`` (from :func:`section`), or append it."""
    document = path.read_text(encoding="utf-8") if path.exists() else PREAMBLE
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    if start in document and end in document:
        before, _, rest = document.partition(start)
        _, _, after = rest.partition(end)
        document = before + text.rstrip("\n") + after
    else:
        document = document.rstrip("\n") + "\n\n" + text
    path.write_text(document, encoding="utf-8")


def run_and_report(
    name: str, run: Callable[[argparse.Namespace], Coroutine[Any, Any, str]], options: argparse.Namespace
) -> None:
    """Run a benchmark, print its section, and with ``--write`` put it into BENCHMARKS.md."""
    text = asyncio.run(run(options))
    print(text)
    if options.write:
        write_section(name, text)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"

"""Run a command, report its wall time and peak resident memory: ``python -m bench.peak_rss REPORT CMD …``.

Writes ``{"returncode": 0, "wall_s": 12.3, "peak_rss_mib": 85.2}`` to the file REPORT once the command
ends (its own output is left alone). The peak comes from ``getrusage(RUSAGE_CHILDREN)`` after the wait:
exact, with no sampling to miss a short spike (the command is this process's only child).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit("usage: python -m bench.peak_rss REPORT_FILE COMMAND [ARG …]")
    report, command = Path(sys.argv[1]), sys.argv[2:]
    started = time.perf_counter()
    returncode = subprocess.call(command)
    wall_s = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    figures = {
        "returncode": returncode,
        "wall_s": round(wall_s, 3),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }
    report.write_text(json.dumps(figures), encoding="utf-8")


if __name__ == "__main__":
    main()

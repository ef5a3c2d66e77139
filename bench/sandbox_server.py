"""The five sandbox providers in their own process, on free ports: ``python -m bench.sandbox_server``.

Prints one JSON line ``{"registry": "http://127.0.0.1:P", …}`` once they answer, then serves until killed.
A benchmark's load generator and hub must not share a CPU-bound event loop with the upstreams, so the
harness runs them here rather than in a thread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from sandbox.faults import FaultSettings
from sandbox.runner import DEFAULT_SEED, DEFAULT_SIZE, run_sandboxes


async def _serve(size: int, faults: FaultSettings, seed: int) -> None:
    async with run_sandboxes(size=size, faults=faults, seed=seed) as urls:
        sys.stdout.write(json.dumps(urls) + "\n")
        sys.stdout.flush()
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="firms in the universe")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="the universe's seed")
    parser.add_argument("--faults", default="{}", help="JSON fault settings every provider starts with")
    options = parser.parse_args()
    faults = FaultSettings().updated(json.loads(options.faults))
    asyncio.run(_serve(options.size, faults, options.seed))


if __name__ == "__main__":
    main()

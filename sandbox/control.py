"""The one client of the providers' ``/_sandbox`` controls (sandbox/PROTOCOL.md): faults, request counts,
the universe's listing, its fixture firms and its planted cases. Used by the tests, the benchmarks,
``hub demo`` and the connector battery.

Synchronous (plain httpx): the controls are set between measurements, not on any answer's path; async code
calls it through ``asyncio.to_thread``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class SandboxControl:
    """Controls of providers at ``urls`` ({name: base URL})."""

    def __init__(self, urls: Mapping[str, str], *, timeout_s: float = 30.0) -> None:
        self.urls = dict(urls)
        self._client = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SandboxControl:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, method: str, provider: str, path: str, **options: Any) -> Any:
        response = self._client.request(method, f"{self.urls[provider]}/_sandbox/{path}", **options)
        response.raise_for_status()
        return response.json()

    def set_faults(self, provider: str | None = None, **faults: object) -> dict[str, object]:
        """Change some fault settings (``latency_ms=200, down=True`` …) of one provider, or of all when
        ``provider`` is None; returns the provider's (the last one's) settings."""
        result: dict[str, object] = {}
        for name in [provider] if provider else self.urls:
            result = self._call("POST", name, "faults", json=faults)
        return result

    def reset_faults(self, provider: str | None = None) -> None:
        """Back to each provider's start-up faults (trade keeps its 50/s rate limit)."""
        for name in [provider] if provider else self.urls:
            self._call("DELETE", name, "faults")

    def stats(self, provider: str) -> dict[str, Any]:
        """``{"requests": {path template: n}, "total": n}`` since start or the last reset."""
        result: dict[str, Any] = self._call("GET", provider, "stats")
        return result

    def requests(self) -> dict[str, int]:
        """Data requests each provider has served since start or the last reset."""
        return {name: int(self.stats(name)["total"]) for name in self.urls}

    def requests_by_path(self) -> dict[str, dict[str, int]]:
        """``{provider: {path template: requests}}`` since start or the last reset."""
        return {
            name: {path: int(count) for path, count in self.stats(name)["requests"].items()}
            for name in self.urls
        }

    def reset_stats(self, provider: str | None = None) -> None:
        for name in [provider] if provider else self.urls:
            self._call("POST", name, "stats/reset")

    def credit_codes(self, limit: int = 100, core: bool = False, provider: str | None = None) -> list[str]:
        """Credit codes a provider lists (default: the first one, the registry: the whole universe; core
        enterprises only with ``core=True``)."""
        params = {"limit": limit, "core": str(core).lower()}
        listing = self._call("GET", provider or next(iter(self.urls)), "enterprises", params=params)
        codes: list[str] = listing["creditCodes"]
        return codes

    def fixture_codes(self, provider: str | None = None) -> dict[str, str]:
        """The universe's fixture firms, name → credit code (``GET /_sandbox/fixtures``; sandbox.fixtures)."""
        listing = self._call("GET", provider or next(iter(self.urls)), "fixtures")
        return {fixture["name"]: fixture["creditCode"] for fixture in listing["fixtures"]}

    def anomalies(self, provider: str | None = None) -> list[dict[str, Any]]:
        """The planted cases, ``[{"kind", "creditCodes", "ids"}, …]`` (``GET /_sandbox/anomalies``; ground
        truth for tests and benchmarks, sandbox.anomalies)."""
        listing = self._call("GET", provider or next(iter(self.urls)), "anomalies")
        cases: list[dict[str, Any]] = listing["anomalies"]
        return cases

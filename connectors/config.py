"""Per-source configuration: where each upstream lives, its credentials and its limits.

``HUB_SOURCES_FILE`` names a TOML file; without one the hub talks to the sandbox providers on 127.0.0.1
at each source's default port with the sandbox's default credentials (each source's
:class:`connectors.source.SandboxDefaults`, sandbox/PROTOCOL.md). The file configures the sources the hub
reads: a known source without a table is simply not read (it answers ``SOURCE_UNAVAILABLE``, "not
configured"); a table naming no known source is an error. The file is validated up front: every problem of
every source is collected into one :class:`SourcesConfigError`, secrets masked.

.. code-block:: toml

    [defaults]              # optional, applies to every source
    timeout_s = 10

    [sources.registry]
    base_url = "https://registry.example.gov.cn"
    credentials = { api_key = "…" }
    ttl_s = 86400
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from connectors.catalog import SourceCatalog, load_catalog
from connectors.source import SourceName
from foundation.private_files import write_private_file
from foundation.settings import Settings, mask_url

SANDBOX_AS_OF = date(2026, 10, 31)  # the last day of the sandbox universe's current month (PROTOCOL.md)


class SourceConfig(BaseModel):
    """Parameters of one upstream:

    - ``base_url``: scheme, host and port (and path prefix) of the provider's API.
    - ``credentials``: what the source's auth style needs (``api_key``; ``client_id`` and
      ``client_secret``; ``app_key`` and ``app_secret``); never logged.
    - ``auth_options``: overrides of the connector's declared auth options (header name, token path).
    - ``connect_timeout_s``, ``timeout_s``: httpx timeouts per operation; ``deadline_s`` bounds one
      logical request including its retries.
    - ``ttl_s``: how long a fetched record is served from the cache.
    - ``max_concurrency``: requests in flight to this source from one process; ``max_connections``: pool.
    - ``retries``: extra attempts after a connect error, timeout, 5xx or 429; backoff is exponential
      from ``backoff_initial_s`` to ``backoff_max_s`` with jitter; a ``Retry-After`` above
      ``max_retry_after_s`` is not waited for.
    - ``breaker_threshold`` consecutive failed fetches open the circuit for ``breaker_cooldown_s``.
    - ``max_pages``: bound of one paging loop; ``pages_in_flight``: pages of one listing fetched side by
      side once its first page tells how many there are.
    - ``as_of``: the day history windows end at (default: today, UTC). The sandbox's universe stands
      still at 2026-10-31, so its configs pin it and answers stay the same on any day.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str
    credentials: dict[str, SecretStr] = Field(default_factory=dict)
    auth_options: dict[str, str] = Field(default_factory=dict)
    connect_timeout_s: float = Field(default=2.0, gt=0)
    timeout_s: float = Field(default=10.0, gt=0)
    deadline_s: float = Field(default=30.0, gt=0)
    ttl_s: int = Field(default=900, ge=1)
    max_concurrency: int = Field(default=8, ge=1, le=512)
    max_connections: int = Field(default=32, ge=1, le=1024)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_initial_s: float = Field(default=0.2, ge=0)
    backoff_max_s: float = Field(default=5.0, ge=0)
    max_retry_after_s: float = Field(default=30.0, ge=0)
    breaker_threshold: int = Field(default=5, ge=1)
    breaker_cooldown_s: float = Field(default=30.0, gt=0)
    max_pages: int = Field(default=200, ge=1)
    pages_in_flight: int = Field(default=4, ge=1, le=64)
    as_of: date | None = None

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {mask_url(value)}")
        return value.rstrip("/")

    def credential(self, name: str) -> str:
        return self.credentials[name].get_secret_value()

    def history_end(self) -> date:
        return self.as_of or datetime.now(UTC).date()


class SourcesConfigError(ValueError):
    """The sources file is unusable; ``problems`` lists every problem found (no secret values)."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        super().__init__(f"{origin}: " + "; ".join(problems))
        self.problems = problems


def sandbox_sources(
    urls: Mapping[str, str], catalog: SourceCatalog | None = None, **overrides: Any
) -> dict[SourceName, SourceConfig]:
    """Configs for sandbox providers at ``urls`` ({source: base URL}) with their default credentials."""
    catalog = catalog or load_catalog()
    return {
        source.name: SourceConfig.model_validate(
            {
                "base_url": urls[source.name],
                "credentials": dict(source.sandbox.credentials),
                "as_of": SANDBOX_AS_OF,
                **overrides,
            }
        )
        for source in catalog
        if source.name in urls
    }


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | date):
        return str(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items()) + " }"
    return json.dumps(str(value))


def write_sandbox_sources_file(path: Path, urls: Mapping[str, str], **defaults: object) -> Path:
    """Write a ``HUB_SOURCES_FILE`` for sandbox providers at ``urls`` ({source: base URL}; the sources it
    names) with their default credentials; ``defaults`` (``timeout_s``, ``retries`` … of
    :class:`SourceConfig`) go into ``[defaults]``. For the demo, tests and benchmarks: it goes through the
    same parser as a real file. Owner-only, like any file of credentials."""
    lines = ["[defaults]", f"as_of = {SANDBOX_AS_OF}"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in defaults.items()]
    for source in load_catalog():
        if source.name in urls:
            lines += ["", f"[sources.{source.name}]", f"base_url = {_toml_value(urls[source.name])}"]
            lines.append(f"credentials = {_toml_value(dict(source.sandbox.credentials))}")
    write_private_file(path, "\n".join(lines) + "\n")
    return path


def default_sandbox_urls(host: str = "127.0.0.1") -> dict[str, str]:
    """Every known source's sandbox provider at its default port."""
    return {source.name: f"http://{host}:{source.sandbox.port}" for source in load_catalog()}


def load_source_configs(settings: Settings) -> dict[SourceName, SourceConfig]:
    """The sources of ``settings.sources_file``, or the sandbox defaults when no file is set (dev only)."""
    if settings.sources_file is None:
        if settings.env == "prod":
            raise SourcesConfigError(
                "HUB_SOURCES_FILE", ["required when HUB_ENV=prod (the default is the sandbox)"]
            )
        return sandbox_sources(default_sandbox_urls())
    return parse_sources_file(settings.sources_file)


def parse_sources_file(path: Path) -> dict[SourceName, SourceConfig]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SourcesConfigError(str(path), [str(error)]) from None
    return parse_sources(document, origin=str(path))


def parse_sources(
    document: Mapping[str, Any], *, origin: str = "sources", catalog: SourceCatalog | None = None
) -> dict[SourceName, SourceConfig]:
    """The configured sources (known ones only; a known source may be left out)."""
    catalog = catalog or load_catalog()
    problems: list[str] = []
    unknown_top = sorted(set(document) - {"defaults", "sources"})
    if unknown_top:
        problems.append(f"unknown tables {unknown_top}; expected [defaults] and [sources.<name>]")
    defaults = document.get("defaults", {})
    tables = document.get("sources", {})
    if not isinstance(defaults, dict) or not isinstance(tables, dict):
        raise SourcesConfigError(origin, [*problems, "[defaults] and [sources] must be tables"])
    unknown = sorted(set(tables) - set(catalog.names))
    if unknown:
        problems.append(f"unknown sources {unknown}; known: {list(catalog.names)}")
    configs: dict[SourceName, SourceConfig] = {}
    for name in catalog.names:
        table = tables.get(name)
        if table is None:
            continue
        try:
            configs[name] = SourceConfig.model_validate({**defaults, **table})
        except ValidationError as error:
            problems.extend(_describe(f"sources.{name}", error))
    if problems:
        raise SourcesConfigError(origin, problems)
    return configs


def _describe(prefix: str, error: ValidationError) -> list[str]:
    """One line per problem; pydantic's ``input`` is left out because it may hold a secret."""
    return [
        f"{prefix}.{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
        for problem in error.errors()
    ]

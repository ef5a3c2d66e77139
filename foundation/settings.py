"""The hub's one validated settings object, read from ``HUB_*`` environment variables once at start."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
CACHE_SCHEMES = ("memory", "redis")
WEBHOOK_RETRY_DELAYS_S = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0)  # 5 s … 4 h, 13 attempts


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (for logs and error messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


class Settings(BaseSettings):
    """Parameters (environment, ``HUB_`` prefix):

    - ``database_url``: SQLAlchemy async URL, SQLite (aiosqlite) or PostgreSQL (asyncpg).
    - ``cache_url``: ``memory://`` or ``redis://host:port/db``.
    - ``env``: ``dev`` or ``prod``; prod turns GraphiQL, introspection and anonymous access off.
    - ``sources_file``: TOML with per-source base URL, credentials, timeout and TTL (sandbox defaults).
    - ``signing_key_file``: JSON Web Key Set holding the JWT signing keys (generated in dev when absent).
    """

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    env: Literal["dev", "prod"] = "dev"
    database_url: str = "sqlite+aiosqlite:///./hub.db"
    cache_url: str = "memory://"
    cache_namespace: str = "hub"
    cache_timeout_s: float = Field(default=2.0, gt=0)
    # The job queue (hub.jobs.queue): memory:// runs jobs in process; redis://… a stream for `hub worker`.
    jobs_url: str = "memory://"
    jobs_idle_timeout_s: float = Field(default=60.0, gt=0)
    jobs_concurrency: int = Field(default=50, ge=1)
    # On memory:// the hub process runs the periodic jobs' scheduler itself; off: a process that must not
    # fire them (a second embedded process on the same database, a test that counts upstream requests).
    in_process_scheduler: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Proxies (load balancers) whose X-Forwarded-Proto/For are trusted: behind a TLS-terminating balancer
    # the hub must see https, or the OAuth server refuses token requests as insecure transport.
    forwarded_allow_ips: str = "127.0.0.1"
    sources_file: Path | None = None
    signing_key_file: Path | None = None

    # GraphQL surface; None means "on in dev, off in prod".
    graphiql: bool | None = None
    introspection: bool | None = None
    allow_anonymous: bool = False
    max_query_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2000, ge=10)
    max_query_cost: int = Field(default=20000, ge=1)
    max_batch_size: int = Field(default=100, ge=1, le=1000)
    # Reads answer by a deadline: a source still fetching by then is served from its last snapshot (stale)
    # or SOURCE_UNAVAILABLE, its fetch finishing in the background (hub.sources, connectors.deadline). A
    # profile's source fields (enterprise, enterprises, _entities) by the first; every other read of a
    # request (assessments, verification, simulations, supply chains, over many firms) by the second.
    read_deadline_s: float = Field(default=1.5, gt=0, le=600)
    request_deadline_s: float = Field(default=30.0, gt=0, le=3600)

    # OAuth 2 and access.
    issuer: str | None = None
    token_audience: str = "enterprise-data-hub"  # noqa: S105 - an audience, not a secret
    token_ttl_s: int = Field(default=900, ge=30, le=86400)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_burst: int = Field(default=60, ge=1)
    # Access decisions (token refusals, live consents, cached answers) are cached per process under the
    # access version (auth/access_state.py); other processes' changes count within this many ms, and so do
    # their source-cache refreshes for cached answers (schema/answer_cache.py).
    access_refresh_ms: int = Field(default=250, ge=0, le=60_000)
    # A tenant's live consents held whole in each process up to this many (auth/tenant_consents.py); 0: off.
    tenant_consents_held_max: int = Field(default=200_000, ge=0)
    # Whole answers of source-data queries, per caller's tenant and scopes; 0 turns the cache off.
    response_cache_ttl_s: float = Field(default=60.0, ge=0, le=3600)
    response_cache_mib: int = Field(default=64, ge=1, le=16_384)

    # Bulk refresh.
    sync_concurrency: int = Field(default=16, ge=1, le=512)
    # Continuous refresh (hub.connections): a cron (China Standard Time) per source, the sources left out
    # daily at 04:00; a LINKED connection not refreshed for its source's days here (default 3) turns STALE;
    # a (firm, source) whose last consent ended has its snapshots purged after the retention.
    refresh_cron: dict[str, str] = Field(
        default_factory=lambda: {
            "electricity": "0 3 6 * *",  # the grid bills the month by the 5th
            "tax": "0 3 17 * *",  # VAT filings are due by the 15th
            "trade": "0 1 * * *",
            "logistics": "30 1 * * *",
            "customs": "0 2 * * *",
            "registry": "0 2 * * 1",  # a public register: weekly
        }
    )
    refresh_stale_days: dict[str, int] = Field(
        default_factory=lambda: {"electricity": 40, "tax": 40, "registry": 15}
    )
    snapshot_retention_days: int = Field(default=30, ge=0, le=3660)

    # The HTTP edge (hub/http_limits.py): bodies over the limit are refused before they are buffered, and
    # a client that does not send its headers or its body in time is disconnected.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=64 * 1024 * 1024)
    header_timeout_s: float = Field(default=10.0, gt=0, le=300)
    body_timeout_s: float = Field(default=30.0, gt=0, le=3600)
    # A request takes ceil(cost / this) tokens from its client's rate-limit bucket (at least 1, at most
    # the burst), so one costly query counts like the many cheap ones it replaces.
    rate_limit_cost_per_token: int = Field(default=500, ge=1)
    # Failed client authentications at /oauth/*: a bucket per client id and one per source address.
    auth_failures_per_minute: int = Field(default=10, ge=1)
    auth_failure_burst: int = Field(default=10, ge=1)

    # Consents recorded through the API or the CLI: valid from today at the earliest, for at most this
    # many days, with an evidence reference matching the pattern (a document id, not free text).
    consent_max_days: int = Field(default=366, ge=1, le=3660)
    consent_evidence_pattern: str = r"^[A-Za-z0-9][A-Za-z0-9._:/#-]{2,127}$"

    # Monitoring (hub.monitoring): a core enterprise whose live financings exceed this share of its
    # confirmed, unsettled receivables is flagged CORE_OVERFINANCED.
    core_overfinanced_ratio: float = Field(default=0.8, gt=0, le=100)

    # Keyed hashes of personal data (legal representatives' ID numbers and phones): equality without
    # keeping clear text. Generated in dev when absent; required in prod.
    personal_data_key_file: Path | None = None
    # Signed audit checkpoints are also appended here, outside the database; `hub audit verify` checks
    # the log against it. Required by `hub audit verify` in prod.
    audit_anchor_file: Path | None = None

    # Webhooks (hub.webhooks). Subscriptions' signing secrets are sealed (AES-256-GCM) under the key in this
    # file (32+ random bytes, hex or base64; the same file on every replica and worker); generated in dev
    # when absent, required in prod. In prod a target must be https and resolve to a public address unless
    # its host is allow-listed (comma-separated names or addresses).
    webhook_secret_key_file: Path | None = None
    webhook_allowed_hosts: Annotated[frozenset[str], NoDecode] = frozenset()
    # Seconds before each retry (the last repeats) while the retries' delays sum within the window; then
    # the delivery is DEAD (`hub webhooks redeliver`). Comma-separated in the environment.
    webhook_retry_delays_s: Annotated[tuple[float, ...], NoDecode] = WEBHOOK_RETRY_DELAYS_S
    webhook_retry_window_s: float = Field(default=86400, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    webhook_concurrency: int = Field(default=64, ge=1, le=1024)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = urlsplit(value).scheme
        if scheme not in DATABASE_SCHEMES:
            raise ValueError(
                f"unsupported database URL scheme {scheme!r} in {mask_url(value)}; "
                f"use one of {', '.join(DATABASE_SCHEMES)}"
            )
        return value

    @field_validator("jobs_url")
    @classmethod
    def _known_jobs(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in CACHE_SCHEMES or (parts.scheme == "redis" and not parts.hostname):
            raise ValueError(f"jobs URL {mask_url(value)}: use memory:// or redis://host:port/db")
        return value

    @field_validator("cache_url")
    @classmethod
    def _known_cache(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in CACHE_SCHEMES:
            raise ValueError(
                f"unknown cache scheme {parts.scheme!r} in {mask_url(value)}; use memory:// or redis://host:port/db"
            )
        if parts.scheme == "redis":
            if not parts.hostname:
                raise ValueError(f"redis cache URL needs a host: {mask_url(value)}")
            db = parts.path.strip("/") or "0"
            if not db.isdigit():
                raise ValueError(f"redis database must be a number, got {db!r} in {mask_url(value)}")
        return value

    @field_validator("consent_evidence_pattern")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value

    @field_validator("sources_file", "signing_key_file", "personal_data_key_file", "webhook_secret_key_file")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    @field_validator("webhook_allowed_hosts", mode="before")
    @classmethod
    def _host_list(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip().lower() for part in value.split(",") if part.strip())
        return value

    @field_validator("webhook_retry_delays_s", mode="before")
    @classmethod
    def _delay_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("webhook_retry_delays_s")
    @classmethod
    def _positive_delays(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(delay <= 0 for delay in value):
            raise ValueError("give at least one delay, each above 0 seconds")
        return value

    @model_validator(mode="after")
    def _prod_is_locked_down(self) -> Settings:
        if self.env == "prod" and self.allow_anonymous:
            raise ValueError("HUB_ALLOW_ANONYMOUS cannot be on when HUB_ENV=prod")
        return self

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else self.env == "dev"

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else self.env == "dev"

    @cached_property
    def issuer_url(self) -> str:
        return self.issuer or f"http://{self.host}:{self.port}"

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and explicit overrides); raises ``pydantic.ValidationError`` on bad values."""
    return Settings(**overrides)  # type: ignore[arg-type]

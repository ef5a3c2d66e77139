"""docker-compose.yml is a valid compose file whose services agree with the hub's settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from foundation.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_services_and_health_checks() -> None:
    services = compose()["services"]
    assert set(services) == {"hub", "postgres", "redis", "sandbox"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert set(services["hub"]["depends_on"]) == {"postgres", "redis", "sandbox"}


def test_hub_environment_is_valid_settings_and_matches_ports() -> None:
    services = compose()["services"]
    environment = services["hub"]["environment"]
    settings = Settings(
        env=environment["HUB_ENV"],
        host=environment["HUB_HOST"],
        port=int(environment["HUB_PORT"]),
        database_url=environment["HUB_DATABASE_URL"],
        cache_url=environment["HUB_CACHE_URL"],
    )
    assert f"{settings.port}:{settings.port}" in services["hub"]["ports"]
    database = urlsplit(settings.database_url)
    assert database.hostname == "postgres"
    assert f"{database.port}:5432" in services["postgres"]["ports"]
    cache = urlsplit(settings.cache_url)
    assert cache.hostname == "redis"
    assert f"{cache.port}:6379" in services["redis"]["ports"]


def test_sources_file_points_at_the_sandbox_service() -> None:
    sources = (ROOT / "deploy" / "sources.toml").read_text()
    for port in range(9101, 9106):
        assert f"http://sandbox:{port}" in sources
    assert "9101-9105:9101-9105" in compose()["services"]["sandbox"]["ports"]

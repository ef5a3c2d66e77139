import pytest
from pydantic import ValidationError

from foundation.settings import Settings, mask_url


def test_defaults_are_the_embedded_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUB_DATABASE_URL", "HUB_CACHE_URL", "HUB_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///./hub.db"
    assert settings.cache_url == "memory://"
    assert settings.graphiql_enabled and settings.introspection_enabled


def test_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PORT", "8123")
    monkeypatch.setenv("HUB_CACHE_URL", "redis://127.0.0.1:6379/3")
    settings = Settings()
    assert settings.port == 8123
    assert settings.cache_url.endswith("/3")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database_url", "mysql://root@localhost/hub", "unsupported database URL scheme 'mysql'"),
        ("cache_url", "memcached://localhost", "unknown cache scheme 'memcached'"),
        ("cache_url", "redis:///0", "needs a host"),
        ("cache_url", "redis://localhost/zero", "must be a number"),
        ("port", 70000, "less than or equal to 65535"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_prod_turns_the_browser_surface_off_and_refuses_anonymous() -> None:
    prod = Settings(env="prod")
    assert not prod.graphiql_enabled and not prod.introspection_enabled
    assert Settings(env="prod", graphiql=True).graphiql_enabled
    with pytest.raises(ValidationError, match="HUB_ALLOW_ANONYMOUS"):
        Settings(env="prod", allow_anonymous=True)


def test_passwords_are_masked_in_urls() -> None:
    assert (
        mask_url("postgresql+asyncpg://hub:s3cret@db:5432/hub") == "postgresql+asyncpg://hub:***@db:5432/hub"
    )
    assert mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"

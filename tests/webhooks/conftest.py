"""Webhook tests: a hub whose retries are quick, and a real receiver on a port."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundation.settings import Settings
from tests.fixtures.backends import Backend
from tests.webhooks.receiver import Receiver

QUICK_RETRIES = (0.2, 0.4)
QUICK_WINDOW_S = 0.7  # two retries fit: three attempts in all


@pytest.fixture
def webhook_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "webhook-secret.key"
    path.write_text(secrets.token_hex(32))
    return path


@pytest.fixture
def auth_settings(backend: Backend, key_file: Path, webhook_key_file: Path) -> Settings:
    return backend.settings(
        signing_key_file=key_file,
        webhook_secret_key_file=webhook_key_file,
        webhook_retry_delays_s=QUICK_RETRIES,
        webhook_retry_window_s=QUICK_WINDOW_S,
        webhook_timeout_s=2.0,
        rate_limit_per_minute=6000,
        rate_limit_burst=1000,
    )


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()

"""Exception traces in logs show frames, never their local variables (settings, credentials)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import structlog

from foundation.logging import configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    configure_logging()  # as the app configures it


def _connect_upstream(client_secret: str) -> None:
    credentials = {"client_secret": client_secret}
    raise ConnectionError(f"refused ({len(credentials)} credential)")


def _log_a_crash(secret: str) -> None:
    log = structlog.get_logger("tests.crash")
    try:
        _connect_upstream(secret)
    except ConnectionError:
        log.exception("upstream_crashed")


@pytest.mark.parametrize("json_renderer", [True, False], ids=["json", "console"])
def test_an_exception_is_logged_without_local_variables(
    json_renderer: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = f"s3cret-{uuid.uuid4().hex[:12]}"  # made at run time: a traceback shows source lines
    configure_logging(json=json_renderer)
    _log_a_crash(secret)
    output = capsys.readouterr().out
    assert "upstream_crashed" in output
    assert "ConnectionError" in output and "_connect_upstream" in output  # the trace is there
    assert secret not in output
    if json_renderer:
        event = json.loads(output)
        frames = event["exception"][0]["frames"]
        assert [frame["name"] for frame in frames][-1] == "_connect_upstream"
        assert all("locals" not in frame for frame in frames)

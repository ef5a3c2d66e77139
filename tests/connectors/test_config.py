"""Sources configuration: sandbox defaults, the TOML file validated up front, secrets masked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.catalog import load_catalog, load_connectors
from connectors.config import (
    SourcesConfigError,
    load_source_configs,
    parse_sources,
    parse_sources_file,
    sandbox_sources,
)
from connectors.upstream import check_sources
from foundation.settings import Settings
from tests.fixtures.sources import SOURCE_NAMES

EXAMPLE = Path(__file__).resolve().parents[2] / "sources.example.toml"


def test_without_a_file_the_sandbox_on_its_default_ports() -> None:
    sources = load_source_configs(Settings())
    assert {name: config.base_url for name, config in sources.items()} == {
        source.name: f"http://127.0.0.1:{source.sandbox.port}" for source in load_catalog()
    }
    assert sources["registry"].credential("api_key") == "sandbox-registry-key"
    assert sources["tax"].as_of == date(2026, 10, 31)
    check_sources(load_connectors(), sources)


def test_the_example_file_is_valid_and_complete() -> None:
    sources = parse_sources_file(EXAMPLE)
    assert sorted(sources) == sorted(SOURCE_NAMES)
    check_sources(load_connectors(), sources)


def test_defaults_apply_and_tables_override() -> None:
    document = {
        "defaults": {"timeout_s": 4, "retries": 1},
        "sources": {
            name: {"base_url": f"https://{name}.example/", "credentials": {"api_key": "k"}, "retries": 5}
            if name == "registry"
            else {"base_url": f"https://{name}.example", "credentials": {}}
            for name in SOURCE_NAMES
        },
    }
    sources = parse_sources(document)
    assert sources["registry"].base_url == "https://registry.example"
    assert (sources["registry"].retries, sources["trade"].retries) == (5, 1)
    assert sources["tax"].timeout_s == 4


def test_every_problem_is_reported_at_once_without_secrets() -> None:
    document = {
        "sources": {
            "registry": {"base_url": "ftp://registry", "credentials": {"api_key": "top-secret-key"}},
            "electricity": {"base_url": "https://e", "timeout_s": -1, "tiemout": 3},
            "weather": {"base_url": "https://w"},
        }
    }
    with pytest.raises(SourcesConfigError) as raised:
        parse_sources(document, origin="sources.toml")
    problems = raised.value.problems
    assert any(problem.startswith("unknown sources ['weather']") for problem in problems)
    assert any(problem.startswith("sources.registry.base_url:") for problem in problems)
    assert any(problem.startswith("sources.electricity.timeout_s:") for problem in problems)
    assert any(problem.startswith("sources.electricity.tiemout:") for problem in problems)
    assert not any(problem.startswith("sources.tax") for problem in problems)  # not configured: fine
    assert "top-secret-key" not in str(raised.value)


def test_only_the_configured_sources_are_read() -> None:
    document = {"sources": {"registry": {"base_url": "https://registry.example"}}}
    assert list(parse_sources(document)) == ["registry"]


def test_missing_credentials_are_named() -> None:
    sources = sandbox_sources({"electricity": "http://127.0.0.1:1"}, credentials={"client_id": "x"})
    with pytest.raises(SourcesConfigError) as raised:
        check_sources({"electricity": load_connectors()["electricity"]}, sources)
    assert raised.value.problems == [
        "sources.electricity.credentials.client_secret: missing (auth style oauth2_client_credentials)"
    ]


def test_secrets_are_masked_in_reprs() -> None:
    config = sandbox_sources({"trade": "http://127.0.0.1:1"})["trade"]
    assert "sandbox-trade-secret" not in repr(config)


def test_a_broken_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("[sources.registry\n", encoding="utf-8")
    with pytest.raises(SourcesConfigError, match=str(path)):
        parse_sources_file(path)


def test_the_example_pins_the_sandbox_history_window() -> None:
    assert parse_sources_file(EXAMPLE)["electricity"].history_end() == date(2026, 10, 31)


def test_prod_needs_a_sources_file() -> None:
    with pytest.raises(SourcesConfigError, match="HUB_SOURCES_FILE: required when HUB_ENV=prod"):
        load_source_configs(Settings(env="prod"))

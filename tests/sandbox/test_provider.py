"""Providers are discovered, not listed: each module of sandbox/providers declares one; clashes refused."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import sandbox.providers
from sandbox.provider import ProviderDiscoveryError, SandboxProvider, discover
from sandbox.providers import DEFAULT_CREDENTIALS, PROVIDERS, SANDBOX_PROVIDERS
from sandbox.runner import BASE_PORT, DEFAULT_PORTS

PackageMaker = Callable[[dict[str, str | None]], str]


def test_every_module_of_the_package_declares_a_discovered_provider() -> None:
    modules = sorted(
        path.stem for path in Path(sandbox.providers.__file__).parent.glob("*.py") if path.stem[0] != "_"
    )
    declared = [importlib.import_module(f"sandbox.providers.{module}").provider for module in modules]
    assert all(isinstance(provider, SandboxProvider) for provider in declared)
    assert sorted(SANDBOX_PROVIDERS.values(), key=lambda p: p.name) == sorted(declared, key=lambda p: p.name)
    offsets = [provider.port_offset for provider in SANDBOX_PROVIDERS.values()]
    assert offsets == list(range(len(modules)))  # in port order, one block of ports
    assert list(PROVIDERS) == list(DEFAULT_PORTS) == list(DEFAULT_CREDENTIALS) == list(SANDBOX_PROVIDERS)
    for name, provider in SANDBOX_PROVIDERS.items():
        assert PROVIDERS[name] is provider.create_app
        assert DEFAULT_PORTS[name] == BASE_PORT + provider.port_offset
        assert DEFAULT_CREDENTIALS[name] == provider.credentials
        assert provider.description


def test_the_original_five_keep_their_ports_and_credentials() -> None:
    expected = {"registry": 9101, "electricity": 9102, "logistics": 9103, "tax": 9104, "trade": 9105}
    assert {name: DEFAULT_PORTS[name] for name in expected} == expected
    assert DEFAULT_CREDENTIALS["registry"].key == "sandbox-registry-key"
    assert DEFAULT_CREDENTIALS["electricity"].secret == "sandbox-electricity-secret"
    assert DEFAULT_CREDENTIALS["trade"].key == DEFAULT_CREDENTIALS["tax"].key == "hub-sandbox"


@pytest.fixture
def make_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[PackageMaker]:
    """Writes a throw-away providers package and returns its name: {module: the arguments of its
    declaration, or None for a module that declares nothing}."""
    monkeypatch.syspath_prepend(str(tmp_path))
    created: list[str] = []

    def make(modules: dict[str, str | None]) -> str:
        package = f"fake_providers_{request.node.name.replace('-', '_')}_{len(created)}"
        root = tmp_path / package
        root.mkdir()
        (root / "__init__.py").write_text("")
        (root / "_shared.py").write_text("HELPER = 'private modules are not providers'\n")
        for module, arguments in modules.items():
            source = f"""
                from sandbox.credentials import Credentials
                from sandbox.provider import SandboxProvider
                from sandbox.providers.registry import create_app

                provider = SandboxProvider(create_app=create_app, credentials=Credentials("k"), {arguments})
            """
            (root / f"{module}.py").write_text(textwrap.dedent(source) if arguments else "VALUE = 1\n")
        importlib.invalidate_caches()
        created.append(package)
        return package

    yield make
    for name in [name for name in sys.modules if name.startswith(tuple(created))]:
        del sys.modules[name]


def test_a_new_module_is_all_a_new_provider_needs(make_package: PackageMaker) -> None:
    package = make_package(
        {
            "zeta": 'name="zeta", port_offset=0, description="first port"',
            "alpha": 'name="alpha", port_offset=2, description="third port"',
            "mid": 'name="mid", port_offset=1, description="second port"',
        }
    )
    assert [provider.name for provider in discover(package)] == ["zeta", "mid", "alpha"]


def test_two_providers_with_one_name_are_refused_naming_both(make_package: PackageMaker) -> None:
    package = make_package(
        {
            "tax": 'name="tax", port_offset=0, description="the tax bureau"',
            "tax_copy": 'name="tax", port_offset=1, description="a copy"',
        }
    )
    with pytest.raises(ProviderDiscoveryError) as refused:
        discover(package)
    assert f"{package}.tax and {package}.tax_copy both declare provider 'tax'" in str(refused.value)


def test_two_providers_on_one_port_offset_are_refused_naming_both(make_package: PackageMaker) -> None:
    package = make_package(
        {
            "customs": 'name="customs", port_offset=0, description="a"',
            "weather": 'name="weather", port_offset=0, description="b"',
        }
    )
    with pytest.raises(ProviderDiscoveryError) as refused:
        discover(package)
    message = str(refused.value)
    assert f"{package}.customs (customs) and {package}.weather (weather) both take port offset 0" in message


def test_a_gap_in_offsets_and_a_module_without_declaration_are_refused(make_package: PackageMaker) -> None:
    package = make_package(
        {
            "first": 'name="first", port_offset=0, description="a"',
            "far": 'name="far", port_offset=3, description="b"',
            "forgot": None,
        }
    )
    with pytest.raises(ProviderDiscoveryError) as refused:
        discover(package)
    message = str(refused.value)
    assert f"{package}.forgot declares no provider" in message
    assert "missing [1, 2]" in message


@pytest.mark.parametrize(("name", "offset"), [("Tax", 0), ("", 0), ("tax", -1)])
def test_a_declaration_is_checked(name: str, offset: int) -> None:
    with pytest.raises(ValueError, match="provider"):
        SandboxProvider(
            name=name,
            port_offset=offset,
            create_app=PROVIDERS["registry"],
            credentials=DEFAULT_CREDENTIALS["registry"],
            description="x",
        )

"""Shared fixtures live in ``tests/fixtures/`` (one module per concern)."""

pytest_plugins = [
    "tests.fixtures.backends",
    "tests.fixtures.hub",
    "tests.fixtures.sandbox",
]

"""The product templates every tenant starts from (one JSON file each): a bank publishes one, as it is or
with its own parameters, and from then on owns that product's versions (``hub products publish``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    name: str
    kind: str
    document: dict[str, Any]


@cache
def templates() -> dict[str, Template]:
    """The shipped templates by key."""
    found = {}
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            found[data["key"]] = Template(data["key"], data["name"], data["kind"], data["document"])
    return found

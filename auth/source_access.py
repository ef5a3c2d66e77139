"""What reading a source needs, as the source's declaration says: a scope, and the enterprise's consent."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from connectors.catalog import load_catalog
from connectors.source import SourceName


@dataclass(frozen=True)
class AccessRule:
    """What reading a source needs, as its declaration says: a scope, and a live consent under the
    source's consent name unless ``consent`` is None (a public register)."""

    scope: str
    consent: str | None

    def consented(self, consents: frozenset[str]) -> bool:
        return self.consent is None or self.consent in consents


@cache
def access_rule(source: SourceName) -> AccessRule:
    declared = load_catalog()[source]
    return AccessRule(declared.read_scope, declared.consent if declared.consent_required else None)

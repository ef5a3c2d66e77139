"""The GraphQL documents the benchmarks send, and one call that posts them and checks the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

SOURCE_SELECTIONS = {
    "registry": "registration { legalForm registeredCapitalYuan freshness { stale } }",
    "electricity": "electricity(months: 12) { averageMonthlyKwh onTimePaymentRate freshness { stale } }",
    "logistics": "logistics(months: 12) { shipments freightYuan freshness { stale } }",
    "tax": "tax(years: 3) { grade overdueFilings freshness { stale } }",
    "trade": "trade(months: 12) { gmvYuan confirmedShare freshness { stale } }",
}
"""One field per source; ``name`` (registry) is always selected as every enterprise query needs it."""


def profile_query(sources: list[str] | tuple[str, ...] = tuple(SOURCE_SELECTIONS)) -> str:
    """``enterprise(creditCode: $code)`` with the fields of ``sources`` (default: all five)."""
    fields = " ".join(SOURCE_SELECTIONS[source] for source in sources)
    return f"query Profile($code: ID!) {{ enterprise(creditCode: $code) {{ creditCode name {fields} }} }}"


def batch_query(sources: list[str] | tuple[str, ...] = tuple(SOURCE_SELECTIONS)) -> str:
    """``enterprises(creditCodes: $codes)`` with the fields of ``sources``."""
    fields = " ".join(SOURCE_SELECTIONS[source] for source in sources)
    selection = f"enterprises(creditCodes: $codes) {{ creditCode name {fields} }}"
    return f"query Batch($codes: [ID!]!) {{ {selection} }}"


@dataclass(frozen=True)
class Answer:
    """What came back: HTTP status, the GraphQL errors (and each one's ``extensions.code``), the data."""

    status: int
    error_codes: tuple[str, ...]
    data: Any
    errors: tuple[dict[str, Any], ...] = ()

    @property
    def clean(self) -> bool:
        return self.status == 200 and not self.error_codes

    def codes_at(self, *path: str | int) -> set[str]:
        """Codes of the errors whose path is ``path``."""
        return {
            code
            for code, error in zip(self.error_codes, self.errors, strict=True)
            if tuple(error.get("path") or ()) == path
        }


async def post_query(
    http: httpx.AsyncClient, url: str, token: str, query: str, variables: dict[str, Any]
) -> Answer:
    response = await http.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        body = response.json()
    except ValueError:
        return Answer(response.status_code, ("NOT_JSON",), None)
    if not isinstance(body, dict):
        return Answer(response.status_code, ("NOT_AN_OBJECT",), None)
    errors = tuple(error for error in body.get("errors") or [] if isinstance(error, dict))
    codes = tuple(str((error.get("extensions") or {}).get("code", "NO_CODE")) for error in errors)
    return Answer(response.status_code, codes, body.get("data"), errors)

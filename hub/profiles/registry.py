"""Registry profile: how long the enterprise has been in business, and whether its credit code agrees with
its legal form (and the risk flag when it does not)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from connectors.records import RegistryRecord
from hub.profiles.indicators import Contribution


def months_in_business(founded_on: date, as_of: date) -> int:
    """Full months in business from ``founded_on`` through ``as_of``, both days counted (a month is full on
    the day before the same day of the next month, that day clamped to the month's end): founded 2025-09-01,
    13 months as of 2026-10-30, 14 as of 2026-10-31 and of 2026-11-01. 0 before the founding day."""
    end = as_of + timedelta(days=1)  # the first day not yet counted
    months = (end.year - founded_on.year) * 12 + end.month - founded_on.month
    if months > 0 and end < _months_after(founded_on, months):
        months -= 1
    return max(0, months)


def _months_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


@dataclass(frozen=True, slots=True)
class RegistryProfile:
    credit_code: str
    legal_form: str
    founded_on: date
    credit_code_agrees: bool | None  # None: a legal form the check does not know, or a record made before it


def registry_profile(record: RegistryRecord, window: int = 0) -> RegistryProfile:
    """The registry's figures (no window: ``window`` is what every indicator source is given)."""
    return RegistryProfile(
        record.credit_code, record.legal_form, record.founded_on, record.credit_code_agrees
    )


REGISTRY_FLAGS = {
    "CREDIT_CODE_LEGAL_FORM_MISMATCH": "the credit code's kind digit is not that of the registered legal "
    "form (91 enterprise, 92 individual business, 93 farmers' cooperative)",
}


def registry_indicators(registry: RegistryProfile) -> Contribution:
    agrees = registry.credit_code_agrees
    flags = ("CREDIT_CODE_LEGAL_FORM_MISMATCH",) if agrees is False else ()
    figures = {
        "legal_form": registry.legal_form,
        "credit_code_agrees": None if agrees is None else str(agrees).lower(),
    }
    return Contribution(figures, flags)

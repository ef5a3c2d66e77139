"""Months in business (full months, both days counted) and the registry's contribution to the indicators."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.records import RegistryRecord
from hub.profiles.registry import months_in_business, registry_indicators, registry_profile
from tests.connectors.test_mappings import registry_record


@pytest.mark.parametrize(
    ("founded_on", "as_of", "months"),
    [
        (date(2025, 9, 1), date(2026, 11, 1), 14),
        (date(2025, 9, 1), date(2026, 10, 31), 14),  # through the end of the as-of day
        (date(2025, 9, 1), date(2026, 10, 30), 13),
        (date(2024, 5, 1), date(2026, 11, 1), 30),
        (date(2023, 11, 1), date(2026, 10, 31), 36),
        (date(2023, 11, 2), date(2026, 10, 31), 35),
        (date(2026, 10, 1), date(2026, 10, 31), 1),
        (date(2026, 10, 1), date(2026, 10, 1), 0),
        (date(2024, 1, 31), date(2024, 2, 28), 1),  # a month from the 31st ends on the last of February
        (date(2024, 1, 31), date(2024, 2, 27), 0),
        (date(2023, 1, 31), date(2023, 3, 30), 2),
        (date(2027, 1, 1), date(2026, 11, 1), 0),  # not yet founded
    ],
)
def test_months_in_business_are_full_months(founded_on: date, as_of: date, months: int) -> None:
    assert months_in_business(founded_on, as_of) == months


def _with(record: RegistryRecord, **changes: object) -> RegistryRecord:
    return RegistryRecord.model_validate({**record.model_dump(), **changes})


def test_a_code_of_another_kind_raises_the_mismatch_flag() -> None:
    record = registry_record()  # an individual business under a 91 code
    flagged = registry_indicators(registry_profile(record))
    assert flagged.flags == ("CREDIT_CODE_LEGAL_FORM_MISMATCH",)
    assert flagged.figures == {"legal_form": "individual_business", "credit_code_agrees": "false"}
    fine = registry_indicators(registry_profile(_with(record, credit_code_agrees=True)))
    assert fine.flags == () and fine.figures["credit_code_agrees"] == "true"
    unchecked = registry_indicators(registry_profile(_with(record, credit_code_agrees=None)))
    assert unchecked.flags == () and unchecked.figures["credit_code_agrees"] is None

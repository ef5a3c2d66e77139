"""The indicator flags a firm's records raise, per source: the same contributions ``Enterprise.indicators``
shows (its ``riskFlags``), computed from the records an evaluation read (a test keeps this table equal
to the schema's declarations, schema.sources.indicator_sources)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from connectors.customs import CustomsRecord
from connectors.records import (
    ElectricityRecord,
    LogisticsRecord,
    Record,
    RegistryRecord,
    TaxRecord,
    TradeRecord,
)
from hub.profiles.customs import CUSTOMS_FLAGS, customs_indicators, customs_profile
from hub.profiles.electricity import electricity_profile
from hub.profiles.indicators import (
    ELECTRICITY_FLAGS,
    INDICATOR_MONTHS,
    LOGISTICS_FLAGS,
    TAX_FLAGS,
    TRADE_FLAGS,
    electricity_indicators,
    logistics_indicators,
    tax_indicators,
    trade_indicators,
)
from hub.profiles.logistics import logistics_profile
from hub.profiles.registry import REGISTRY_FLAGS, registry_indicators, registry_profile
from hub.profiles.tax import MAX_YEARS, tax_profile
from hub.profiles.trade import trade_profile


def _of(
    kind: type[Record], profile: Callable[..., Any], window: int, contribute: Callable[[Any], Any]
) -> Any:
    def flags(record: Record) -> tuple[str, ...]:
        if not isinstance(record, kind):
            return ()
        return tuple(contribute(profile(record, window)).flags)

    return flags


FLAGS_OF: Final[Mapping[str, Callable[[Record], tuple[str, ...]]]] = {
    "registry": _of(RegistryRecord, registry_profile, 0, registry_indicators),
    "electricity": _of(ElectricityRecord, electricity_profile, INDICATOR_MONTHS, electricity_indicators),
    "logistics": _of(LogisticsRecord, logistics_profile, INDICATOR_MONTHS, logistics_indicators),
    "tax": _of(TaxRecord, tax_profile, MAX_YEARS, tax_indicators),
    "trade": _of(TradeRecord, trade_profile, INDICATOR_MONTHS, trade_indicators),
    "customs": _of(CustomsRecord, customs_profile, INDICATOR_MONTHS, customs_indicators),
}
"""Source → the flags its record raises."""


def raised_flags(records: Mapping[str, Record]) -> dict[str, frozenset[str]]:
    """The flags of each source read, by source (a source not read is not there: its flags stand)."""
    return {
        source: frozenset(FLAGS_OF[source](record))
        for source, record in records.items()
        if source in FLAGS_OF
    }


SOURCE_OF_FLAG: Final[Mapping[str, str]] = {
    flag: source
    for source, flags in (
        ("registry", REGISTRY_FLAGS),
        ("electricity", ELECTRICITY_FLAGS),
        ("logistics", LOGISTICS_FLAGS),
        ("tax", TAX_FLAGS),
        ("trade", TRADE_FLAGS),
        ("customs", CUSTOMS_FLAGS),
    )
    for flag in flags
}
"""Flag → the source that raises it."""

"""The shared battery (connectors.testing) run for every source of this installation, against its sandbox
provider over real HTTP: mapping of real payloads, paging to the end, credentials refused, unknown
enterprise, retries, outage and timeout. An out-of-tree source gets the same by subclassing it."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors import electricity, logistics, registry_source, tax, trade
from connectors.source import Source
from connectors.testing import SourceBattery
from tests.connectors.conftest import CODE


class TestRegistry(SourceBattery):
    source: ClassVar[Source[Any]] = registry_source.source
    credit_code = CODE
    facts: ClassVar[dict[str, Any]] = {"name": "嘉兴瑞明塑料制品有限公司", "status": "active"}


class TestElectricity(SourceBattery):
    source: ClassVar[Source[Any]] = electricity.source
    credit_code = CODE
    facts: ClassVar[dict[str, Any]] = {"accounts": 1, "months": 24}


class TestLogistics(SourceBattery):
    source: ClassVar[Source[Any]] = logistics.source
    credit_code = CODE
    facts: ClassVar[dict[str, Any]] = {"waybills": 57}


class TestTax(SourceBattery):
    source: ClassVar[Source[Any]] = tax.source
    credit_code = CODE
    facts: ClassVar[dict[str, Any]] = {"years": 3, "months": 24}


class TestTrade(SourceBattery):
    source: ClassVar[Source[Any]] = trade.source
    credit_code = CODE
    facts: ClassVar[dict[str, Any]] = {"orders": 56, "receivables": 45}

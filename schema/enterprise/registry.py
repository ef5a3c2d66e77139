"""The registry's contribution to the lending indicators.

The schema serves the registry as the enterprise itself, without a field of its own, so the registry's
declaration (``connectors.registry_source.source``) names this module for its contribution: the
``CREDIT_CODE_LEGAL_FORM_MISMATCH`` flag when the credit code's kind digit is not the legal form's.
"""

from __future__ import annotations

from connectors.records import RegistryRecord
from hub.profiles.registry import REGISTRY_FLAGS, registry_indicators, registry_profile
from schema.sources import IndicatorSource

INDICATORS = IndicatorSource(RegistryRecord, registry_profile, 0, registry_indicators, REGISTRY_FLAGS)

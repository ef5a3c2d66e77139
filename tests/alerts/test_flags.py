"""The alerts' table of indicator flags is the schema's (Enterprise.indicators.riskFlags)."""

from hub.alerts.flags import FLAGS_OF, SOURCE_OF_FLAG
from schema.sources import indicator_sources


def test_every_indicator_source_and_flag_is_known() -> None:
    sources = indicator_sources()
    assert set(FLAGS_OF) == set(sources)
    assert {flag: name for name, spec in sources.items() for flag in spec.flags} == SOURCE_OF_FLAG

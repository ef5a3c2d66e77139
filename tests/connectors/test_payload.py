"""The payload readers' fast paths accept exactly what the checked paths accept, with the same values,
and leave every refusal (and its message) to the checked paths."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.payload import PayloadReader, parse_day, parse_decimal, parse_month, parse_timestamp
from foundation.errors import UpstreamPayloadError

TRICKY: list[Any] = [
    "12.50",
    " 12.50 ",
    "1_000",
    "-0",
    "NaN",
    "Infinity",
    "1e3",
    "",
    "   ",
    "\u00a0",
    "abc",
    "2025-11",
    "2025-1",
    "2025-00",
    "2025-13",
    "0000-01",
    "２０２５-11",
    "2025-11 ",
    "2025-11-30",
    "2025-02-30",
    "20251130",
    "2025-11-30T08:00:00+08:00",
    "2025-11-30T08:00:00Z",
    "2025-11-30T08:00:00",
    "2025-11-30 08:00:00+00:00",
    None,
    True,
    0,
    1.5,
    [],
    {},
]


def outcome(read: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return ("ok", read())
    except UpstreamPayloadError as error:
        return ("error", str(error))


def checked(value: Any, kind: str) -> tuple[str, Any]:
    """The checked path alone: the wire type first, then the parser (what the readers did before)."""
    where = "item.field"

    def fail(reason: str) -> tuple[str, Any]:
        return ("error", str(UpstreamPayloadError("trade", where, reason)))

    optional = kind.startswith("optional_")
    if value is None and optional:
        return ("ok", None)
    if not isinstance(value, str) or isinstance(value, bool):
        what = {
            "text": "a string",
            "decimal": "a decimal string",
            "day": "a date string",
            "optional_day": "a date string or null",
            "month": "a month string",
            "timestamp": "a timestamp string",
            "optional_timestamp": "a timestamp string or null",
        }[kind]
        return fail(f"expected {what}, got {type(value).__name__}")
    parsers: dict[str, Callable[[str, str, str], Any]] = {
        "decimal": parse_decimal,
        "day": parse_day,
        "optional_day": parse_day,
        "month": parse_month,
        "timestamp": parse_timestamp,
        "optional_timestamp": parse_timestamp,
    }
    if kind == "text":
        return ("ok", value) if value.strip() else fail("empty string")
    return outcome(lambda: parsers[kind]("trade", where, value))


@pytest.mark.parametrize(
    "kind", ["text", "decimal", "day", "optional_day", "timestamp", "optional_timestamp"]
)
@pytest.mark.parametrize("value", TRICKY, ids=repr)
def test_reader_matches_the_checked_path(kind: str, value: Any) -> None:
    reader = PayloadReader("trade", {"field": value}, "item")
    assert outcome(lambda: getattr(reader, kind)("field")) == checked(value, kind)


@pytest.mark.parametrize("value", [v for v in TRICKY if isinstance(v, str)], ids=repr)
def test_month_matches_strptime(value: str) -> None:
    try:
        expected: tuple[str, Any] = ("ok", datetime.strptime(value, "%Y-%m").date())
    except ValueError:
        expected = ("error", str(UpstreamPayloadError("tax", "m", f"{value!r} is not a YYYY-MM month")))
    assert outcome(lambda: parse_month("tax", "m", value)) == expected


@pytest.mark.parametrize("value", [True, False, 0, 1, "true", None])
def test_boolean_only_from_json_booleans(value: Any) -> None:
    result = outcome(lambda: PayloadReader("trade", {"b": value}).boolean("b"))
    if isinstance(value, bool):
        assert result == ("ok", value)
    else:
        assert result[0] == "error"


@pytest.mark.parametrize("value", ["open", "closed", "", " open", None, 1])
def test_choice_only_from_the_allowed(value: Any) -> None:
    result = outcome(lambda: PayloadReader("trade", {"s": value}).choice("s", {"open", "shipped"}))
    assert result == (("ok", "open") if value == "open" else result) and (value == "open") == (
        result[0] == "ok"
    )


def test_child_and_missing_keys_keep_their_messages() -> None:
    reader = PayloadReader("logistics", {"shipper": {"name": "x"}, "consignee": "nobody"}, "data[0]")
    assert reader.child("shipper").path == "data[0].shipper"
    assert outcome(lambda: reader.child("consignee")) == (
        "error",
        str(UpstreamPayloadError("logistics", "data[0].consignee", "expected an object, got str")),
    )
    assert outcome(lambda: reader.child("missing")) == (
        "error",
        str(UpstreamPayloadError("logistics", "data[0].missing", "missing")),
    )
    assert outcome(lambda: reader.text("missing"))[1] == str(
        UpstreamPayloadError("logistics", "data[0].missing", "missing")
    )


def test_fast_path_values_have_the_record_types() -> None:
    reader = PayloadReader("trade", {"d": "2025-11-30", "m": "1.10", "t": "2025-11-30T08:00:00+08:00"})
    assert reader.day("d") == date(2025, 11, 30)
    assert reader.decimal("m") == Decimal("1.10") and str(reader.decimal("m")) == "1.10"
    assert reader.timestamp("t").utcoffset() is not None

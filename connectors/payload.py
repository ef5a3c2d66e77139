"""Strict readers of provider payloads for the pure mapping functions.

Every accessor checks the wire type the protocol promises (money as a decimal string, never a float;
dates ``YYYY-MM-DD``; months ``YYYY-MM``) and raises ``UpstreamPayloadError`` naming the source and the
provider's field path (``items[3].billAmount``), so a malformed answer never becomes wrong data.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from foundation.errors import UpstreamPayloadError

ModelT = TypeVar("ModelT", bound=BaseModel)


class PayloadReader:
    """A JSON object of a provider's answer, read field by field at a known path."""

    def __init__(self, source: str, value: Any, path: str = "") -> None:
        self.source = source
        self.path = path
        if not isinstance(value, dict):
            raise UpstreamPayloadError(source, path or "body", "expected a JSON object")
        self._value: dict[str, Any] = value

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, reason: str) -> UpstreamPayloadError:
        return UpstreamPayloadError(self.source, self._where(key), reason)

    def _raw(self, key: str, kind: type | tuple[type, ...], what: str, *, optional: bool = False) -> Any:
        if key not in self._value:
            raise self.fail(key, "missing")
        value = self._value[key]
        if value is None and optional:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(key, f"expected {what}, got {type(value).__name__}")
        return value

    # Fast paths: a well-formed value of the exact wire type returns at once (mapping reads hundreds of
    # fields per enterprise); anything else goes through ``_raw`` and its checks, so errors are unchanged.

    def text(self, key: str) -> str:
        value = self._value.get(key)
        if type(value) is str and value and not value.isspace():
            return value
        checked: str = self._raw(key, str, "a string")
        if not checked.strip():
            raise self.fail(key, "empty string")
        return checked

    def optional_text(self, key: str) -> str | None:
        value: str | None = self._raw(key, str, "a string or null", optional=True)
        return value

    def choice(self, key: str, allowed: Collection[str]) -> str:
        value = self._value.get(key)
        if type(value) is str and value in allowed:
            return value
        value = self.text(key)
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {sorted(allowed)}")
        return value

    def boolean(self, key: str) -> bool:
        value = self._value.get(key)
        if type(value) is bool:
            return value
        checked: bool = self._raw(key, bool, "a boolean")
        return checked

    def integer(self, key: str) -> int:
        value: int = self._raw(key, int, "an integer")
        return value

    def decimal(self, key: str) -> Decimal:
        value = self._value.get(key)
        if type(value) is str:
            try:
                number = Decimal(value)
            except InvalidOperation:
                pass
            else:
                if number.is_finite() and value == value.strip():
                    return number
        return parse_decimal(self.source, self._where(key), self._raw(key, str, "a decimal string"))

    def day(self, key: str) -> date:
        well_formed = _iso_day(self._value.get(key))
        if well_formed is not None:
            return well_formed
        return parse_day(self.source, self._where(key), self._raw(key, str, "a date string"))

    def optional_day(self, key: str) -> date | None:
        well_formed = _iso_day(self._value.get(key))
        if well_formed is not None:
            return well_formed
        value = self._raw(key, str, "a date string or null", optional=True)
        return None if value is None else parse_day(self.source, self._where(key), value)

    def month(self, key: str) -> date:
        return parse_month(self.source, self._where(key), self._raw(key, str, "a month string"))

    def timestamp(self, key: str) -> datetime:
        value = self._value.get(key)
        if type(value) is str:
            moment = _aware(value)
            if moment is not None:
                return moment
        return parse_timestamp(self.source, self._where(key), self._raw(key, str, "a timestamp string"))

    def optional_timestamp(self, key: str) -> datetime | None:
        value = self._value.get(key)
        if type(value) is str:
            moment = _aware(value)
            if moment is not None:
                return moment
        value = self._raw(key, str, "a timestamp string or null", optional=True)
        return None if value is None else parse_timestamp(self.source, self._where(key), value)

    def child(self, key: str) -> PayloadReader:
        value = self._value.get(key)
        if type(value) is not dict:
            value = self._raw(key, dict, "an object")
        return PayloadReader(self.source, value, self._where(key))

    def children(self, key: str) -> list[PayloadReader]:
        return readers(self.source, self._raw(key, list, "a list"), self._where(key))


def _aware(text: str) -> datetime | None:
    """An ISO 8601 timestamp with a time zone, or ``None`` (then the slow path says what is wrong)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def readers(source: str, values: Any, path: str) -> list[PayloadReader]:
    """A reader per element of a list of JSON objects (``path[i]``)."""
    if not isinstance(values, list):
        raise UpstreamPayloadError(source, path, "expected a list")
    return [PayloadReader(source, value, f"{path}[{index}]") for index, value in enumerate(values)]


def parse_decimal(source: str, where: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise UpstreamPayloadError(source, where, f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise UpstreamPayloadError(source, where, f"{text!r} is not a finite number")
    return value


def parse_day(source: str, where: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UpstreamPayloadError(source, where, f"{text!r} is not a YYYY-MM-DD date") from None


def parse_month(source: str, where: str, text: str) -> date:
    """``YYYY-MM`` as the first day of that month."""
    year, dash, month = text[:4], text[4:5], text[5:]
    if dash == "-" and len(month) == 2 and text.isascii() and year.isdigit() and month.isdigit():
        try:  # what strptime("%Y-%m") reads, without its regular expression (~10x the CPU)
            return date(int(year), int(month), 1)
        except ValueError:
            pass
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise UpstreamPayloadError(source, where, f"{text!r} is not a YYYY-MM month") from None


def parse_timestamp(source: str, where: str, text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UpstreamPayloadError(source, where, f"{text!r} is not an ISO 8601 timestamp") from None
    if value.tzinfo is None:
        raise UpstreamPayloadError(source, where, f"{text!r} has no time zone")
    return value


def build(source: str, where: str, model: type[ModelT], **fields: Any) -> ModelT:
    """``model(**fields)``; a rule the record enforces (non-negative money, …) fails as a payload error."""
    try:
        return model(**fields)
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])  # empty: a rule across fields
        path = f"{where}.{field}" if where and field else where or field
        raise UpstreamPayloadError(source, path, problem["msg"]) from None


def _iso_day(value: object) -> date | None:
    """A well-formed ISO date string's date (the fast path); None sends the value through the checks."""
    if type(value) is str:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None

"""What a connector declares: its name, auth style, endpoints and record type, and how a fetch composes them.

A connector never touches httpx. Its ``fetch`` asks the :class:`~connectors.upstream.Upstream` for the
documents or paged records of its declared endpoints and hands them to a pure ``map_*`` function.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast
from urllib.parse import quote

from connectors.auth_styles import AuthStyleName
from connectors.paging import PaginatorName
from connectors.records import Record, SourceName, SourceRecord

if TYPE_CHECKING:
    from connectors.upstream import Upstream

PayloadFormat = Literal["json", "xml"]


@dataclass(frozen=True)
class Endpoint:
    """One upstream operation.

    Parameters:
    - ``path``: path template relative to the base URL, ``{credit_code}`` and other ``{names}`` filled in.
    - ``params``: query parameters, templates like the path (fixed values are fine too).
    - ``paginator`` and ``page_size``: how to walk the pages (``single`` for one document).
    - ``record_path``: the key of each page's list of records (paged endpoints).
    - ``format``: ``json`` (decoded) or ``xml`` (handed to the mapping as text, parsed there safely).
    """

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    paginator: PaginatorName = "single"
    page_size: int = 50
    record_path: str | None = None
    format: PayloadFormat = "json"

    def url_path(self, values: Mapping[str, str]) -> str:
        return self.path.format_map({name: quote(value, safe="") for name, value in values.items()})

    def query(self, values: Mapping[str, str]) -> dict[str, str]:
        return {name: template.format_map(values) for name, template in self.params.items()}


class Connector(ABC):
    """Extension point: subclass, declare the class attributes, implement ``fetch``; expose an instance
    as ``connector`` in the module and register it under the ``hub.connectors`` entry-point group.
    """

    name: ClassVar[SourceName]
    auth_style: ClassVar[AuthStyleName]
    auth_options: ClassVar[Mapping[str, str]] = {}
    endpoints: ClassVar[Mapping[str, Endpoint]]
    record_type: ClassVar[type[Record]]  # one of the SourceRecord types

    @abstractmethod
    async def fetch(self, upstream: Upstream, credit_code: str) -> SourceRecord:
        """Read the declared endpoints for one enterprise and map them to the typed record."""

    def load_record(self, payload: Mapping[str, Any]) -> SourceRecord:
        """A record back from its JSON form (cache, snapshot)."""
        return cast(SourceRecord, self.record_type.model_validate(payload))

    def load_record_json(self, document: str | bytes) -> SourceRecord:
        """A record back from its JSON text (cache), parsed and validated in one pass."""
        return cast(SourceRecord, self.record_type.model_validate_json(document))


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of the month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)

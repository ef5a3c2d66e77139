"""What a connector declares: its name, auth style, endpoints and record type, and how a fetch composes them.

A connector never touches httpx. Its ``fetch`` asks the :class:`~connectors.upstream.Upstream` for the
documents or paged records of its declared endpoints and hands them to a pure ``map_*`` function.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar
from urllib.parse import quote

from connectors.auth_styles import AuthStyleName
from connectors.paging import PaginatorSpec, SinglePage
from connectors.records import Record

if TYPE_CHECKING:
    from connectors.upstream import Upstream

PayloadFormat = Literal["json", "xml"]
R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class Endpoint:
    """One upstream operation.

    Parameters:
    - ``path``: path template relative to the base URL, ``{credit_code}`` and other ``{names}`` filled in.
    - ``params``: query parameters, templates like the path (fixed values are fine too).
    - ``paginator``: the paging spec, the provider's field names (:mod:`connectors.paging`;
      ``SinglePage()`` for one document); ``page_size``: the records asked for per page.
    - ``record_path``: the key of each page's list of records (paged endpoints).
    - ``format``: ``json`` (decoded) or ``xml`` (handed to the mapping as text, parsed there safely).
    """

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    paginator: PaginatorSpec = field(default_factory=SinglePage)
    page_size: int = 50
    record_path: str | None = None
    format: PayloadFormat = "json"

    def url_path(self, values: Mapping[str, str]) -> str:
        return self.path.format_map({name: quote(value, safe="") for name, value in values.items()})

    def query(self, values: Mapping[str, str]) -> dict[str, str]:
        return {name: template.format_map(values) for name, template in self.params.items()}


class Connector(ABC, Generic[R]):
    """Extension point: subclass as ``Connector[YourRecord]``, declare the class attributes, implement
    ``fetch``; declare the source with it (:class:`connectors.source.Source`) and register that under the
    ``hub.sources`` entry-point group (:mod:`connectors.catalog`).
    """

    name: ClassVar[str]
    auth_style: ClassVar[AuthStyleName]
    auth_options: ClassVar[Mapping[str, str]] = {}
    endpoints: ClassVar[Mapping[str, Endpoint]]
    record_type: type[R]
    round_trips: ClassVar[int] = 1
    """Upstream round trips one fetch makes one after the other (not counting a token): a request
    reading several sources starts those with the longest chain first (they bound its answer)."""

    @abstractmethod
    async def fetch(self, upstream: Upstream, credit_code: str) -> R:
        """Read the declared endpoints for one enterprise and map them to the typed record."""

    def load_record(self, payload: Mapping[str, Any]) -> R:
        """A record back from its JSON form (cache, snapshot)."""
        return self.record_type.model_validate(payload)

    def load_record_json(self, document: str | bytes) -> R:
        """A record back from its JSON text (cache), parsed and validated in one pass."""
        return self.record_type.model_validate_json(document)

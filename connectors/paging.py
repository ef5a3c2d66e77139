"""Paginators: how to ask an upstream for the next page. A spec per paging style, a strategy per listing.

An endpoint declares its paging as a *spec*: a frozen dataclass of the provider's field names, as dlt's
rest_api does (``Endpoint(paginator=…)``; the page size stays on the endpoint)::

    SinglePage()                                   the whole answer in one document
    PageNumberPaginator(page_param="page", size_param="pageSize", total_path="total", page_path="page")
    PageNumberPaginator(page_param="page", size_param="page_size", total_pages_path="total_pages",
                        page_path="page")
    CursorPaginator(cursor_param="cursor", cursor_path="next_cursor", size_param="limit")
    OffsetPaginator(offset_param="offset", limit_param="limit", total_path="total", offset_path="offset")

Parameters (``*_param``: a query parameter we send; ``*_path``: a field of the page document, dotted for a
nested one, e.g. ``"meta.total"``):

- ``PageNumberPaginator``: ``page_param`` (pages count from 1), ``size_param`` (``None``: the provider
  takes no page size); at most one of ``total_path`` (how many records) and ``total_pages_path`` (how many
  pages), neither: until an empty page; ``page_path``: where the page says which page it is.
- ``CursorPaginator``: ``cursor_param``, ``cursor_path`` (the next cursor; null or absent at the end),
  ``size_param``.
- ``OffsetPaginator``: ``offset_param``, ``limit_param``, ``total_path`` (how many records; ``None``: until
  an empty page), ``offset_path``: where the page says its offset.

A page with no records ends every style but the cursor's. When the first page tells how many there are (a
total, and the ``page_path``/``offset_path`` that lets each answer be checked) the paging loop fetches the
remaining pages side by side: ``plan`` lists them, ``confirm`` checks each answered the page it was asked
for (a provider that ignores the page parameter repeats page 1: a loop, reported as one). A page's size is
read off the first page (a provider may cap the size asked for), so an offset listing's planned pages must
each hold that many records but the last.

Extension point: a new style is a spec (a frozen :class:`PaginatorSpec` dataclass of its parameters) and a
:class:`Paginator` subclass registered for it with ``class MyPaging(Paginator[MySpec], spec=MySpec)``,
implementing ``first_page`` and ``next_page`` (and ``plan``/``confirm``/``total`` if the style can tell),
never an ``if`` in the loop. ``spec.start(source, page_size)`` makes a fresh paginator for each listing, so
the loop guard's memory ("Loop detected in pagination": the same page asked for twice) is one listing's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from foundation.errors import UpstreamPayloadError

PageParams = dict[str, str]
S = TypeVar("S", bound="PaginatorSpec")

PAGINATORS: dict[type[PaginatorSpec], type[Paginator[Any]]] = {}
"""Each spec type's paginator class, filled by ``Paginator`` subclasses (``spec=``)."""


def _check_paths(spec: object, *names: str) -> None:
    for name in names:
        path = getattr(spec, name)
        if path is not None and (not path or "" in path.split(".")):
            raise ValueError(f"{type(spec).__name__}.{name}: {path!r} is not a dotted field path")


def lookup(page: Mapping[str, Any], path: str) -> Any:
    """The value at the dotted ``path`` of a page document, ``None`` where it is absent."""
    value: Any = page
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


@dataclass(frozen=True)
class PaginatorSpec:
    """Extension point: a paging style's parameters, as an endpoint declares them (see the module)."""

    def start(self, source: str, page_size: int) -> Paginator[Any]:
        """A fresh paginator for one listing of ``source``, asking ``page_size`` records a page."""
        paginator = PAGINATORS.get(type(self))
        if paginator is None:
            raise TypeError(f"no paginator is registered for {type(self).__name__}")
        return paginator(self, source, page_size)


@dataclass(frozen=True)
class SinglePage(PaginatorSpec):
    """The whole answer in one document."""


@dataclass(frozen=True, kw_only=True)
class PageNumberPaginator(PaginatorSpec):
    """Numbered pages from 1, until the total (of records or of pages) or an empty page."""

    page_param: str
    size_param: str | None = None
    total_path: str | None = None
    total_pages_path: str | None = None
    page_path: str | None = None

    def __post_init__(self) -> None:
        if self.total_path is not None and self.total_pages_path is not None:
            raise ValueError("PageNumberPaginator: total_path or total_pages_path, not both")
        _check_paths(self, "total_path", "total_pages_path", "page_path")


@dataclass(frozen=True, kw_only=True)
class CursorPaginator(PaginatorSpec):
    """An opaque cursor handed out with each page until it is null."""

    cursor_param: str
    cursor_path: str
    size_param: str | None = None

    def __post_init__(self) -> None:
        _check_paths(self, "cursor_path")


@dataclass(frozen=True, kw_only=True)
class OffsetPaginator(PaginatorSpec):
    """An offset and a limit, until the total of records or an empty page."""

    offset_param: str
    limit_param: str
    total_path: str | None = None
    offset_path: str | None = None

    def __post_init__(self) -> None:
        _check_paths(self, "total_path", "offset_path")


class Paginator(Generic[S]):
    """Extension point: one listing's walk, made by its spec's ``start``. The paging loop calls ``begin()``
    once, then ``plan(first page)``; if that gives no plan, ``advance(page, items)`` after each page.
    """

    def __init_subclass__(cls, *, spec: type[PaginatorSpec], **options: Any) -> None:
        super().__init_subclass__(**options)
        if spec in PAGINATORS:
            raise TypeError(f"{spec.__name__} already has a paginator: {PAGINATORS[spec].__name__}")
        PAGINATORS[spec] = cls

    def __init__(self, spec: S, source: str, page_size: int) -> None:
        self.spec = spec
        self.source = source
        self.page_size = page_size
        self.asked: PageParams = {}
        self._seen: set[tuple[tuple[str, str], ...]] = set()

    def first_page(self) -> PageParams:
        raise NotImplementedError

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        """After ``page`` (asked with ``self.asked``), the parameters of the next one, or ``None``."""
        raise NotImplementedError

    def plan(self, page: Mapping[str, Any], items: list[Any]) -> list[PageParams] | None:
        """After the first page: the parameters of every remaining page, or ``None`` (follow ``advance``)."""
        return None

    def confirm(self, asked: PageParams, page: Mapping[str, Any], items: list[Any]) -> None:
        """A planned page must be the page asked for."""

    def total(self, page: Mapping[str, Any], items: list[Any]) -> int | None:
        """How many records the listing holds, as its first page tells (``None``: it does not tell)."""
        return None

    def begin(self) -> PageParams:
        return self._ask(self.first_page())

    def advance(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        following = self.next_page(page, items)
        return None if following is None else self._ask(following)

    def _ask(self, params: PageParams) -> PageParams:
        marker = tuple(sorted(params.items()))
        if marker in self._seen:
            raise self._loop()
        self._seen.add(marker)
        self.asked = params
        return params

    def _loop(self) -> UpstreamPayloadError:
        return UpstreamPayloadError(self.source, "pagination", "Loop detected in pagination")

    def _count(self, page: Mapping[str, Any], path: str) -> int:
        value = lookup(page, path)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise UpstreamPayloadError(self.source, path, f"expected a non-negative integer, got {value!r}")
        return value


class SinglePaging(Paginator[SinglePage], spec=SinglePage):
    def first_page(self) -> PageParams:
        return {}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        return None

    def total(self, page: Mapping[str, Any], items: list[Any]) -> int | None:
        return len(items)


class PageNumberPaging(Paginator[PageNumberPaginator], spec=PageNumberPaginator):
    _full_page: int | None = None  # the first page's length: a full page, unless it is the only one

    def first_page(self) -> PageParams:
        return self._params(1)

    def _params(self, number: int) -> PageParams:
        params = {self.spec.page_param: str(number)}
        if self.spec.size_param is not None:
            params[self.spec.size_param] = str(self.page_size)
        return params

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        spec = self.spec
        number = self._count(page, spec.page_path) if spec.page_path else int(self.asked[spec.page_param])
        if self._full_page is None:
            self._full_page = len(items)
        last = self._last_page(page)
        if not items or (last is not None and number >= last):
            return None
        return self._params(number + 1)

    def _last_page(self, page: Mapping[str, Any]) -> int | None:
        if self.spec.total_pages_path is not None:
            return self._count(page, self.spec.total_pages_path)
        if self.spec.total_path is not None:
            total = self._count(page, self.spec.total_path)
            return -(-total // self._full_page) if self._full_page else 0
        return None

    def plan(self, page: Mapping[str, Any], items: list[Any]) -> list[PageParams] | None:
        spec = self.spec
        if spec.page_path is None or (spec.total_path is None and spec.total_pages_path is None):
            return None
        number = self._count(page, spec.page_path)
        if number != 1:
            raise UpstreamPayloadError(self.source, spec.page_path, f"asked for page 1, got {number}")
        self._full_page = len(items)
        last = self._last_page(page)
        if not items or last is None:
            return []
        return [self._params(number) for number in range(2, last + 1)]

    def confirm(self, asked: PageParams, page: Mapping[str, Any], items: list[Any]) -> None:
        assert self.spec.page_path is not None  # planned only with a page_path
        if self._count(page, self.spec.page_path) != int(asked[self.spec.page_param]):
            raise self._loop()

    def total(self, page: Mapping[str, Any], items: list[Any]) -> int | None:
        return None if self.spec.total_path is None else self._count(page, self.spec.total_path)


class CursorPaging(Paginator[CursorPaginator], spec=CursorPaginator):
    def first_page(self) -> PageParams:
        return {} if self.spec.size_param is None else {self.spec.size_param: str(self.page_size)}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        cursor = lookup(page, self.spec.cursor_path)
        if cursor is None:
            return None
        if not isinstance(cursor, str) or not cursor:
            raise UpstreamPayloadError(
                self.source, self.spec.cursor_path, f"expected a string or null, got {cursor!r}"
            )
        return {**self.first_page(), self.spec.cursor_param: cursor}


class OffsetPaging(Paginator[OffsetPaginator], spec=OffsetPaginator):
    _step = 0  # planned: the first page's length, which every planned page holds but the last
    _planned_total = 0

    def first_page(self) -> PageParams:
        return self._params(0)

    def _params(self, offset: int) -> PageParams:
        return {self.spec.offset_param: str(offset), self.spec.limit_param: str(self.page_size)}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        spec = self.spec
        offset = (
            self._count(page, spec.offset_path) if spec.offset_path else int(self.asked[spec.offset_param])
        )
        total = None if spec.total_path is None else self._count(page, spec.total_path)
        following = offset + len(items)
        if not items or (total is not None and following >= total):
            return None
        return self._params(following)

    def plan(self, page: Mapping[str, Any], items: list[Any]) -> list[PageParams] | None:
        spec = self.spec
        if spec.offset_path is None or spec.total_path is None:
            return None
        total, offset = self._count(page, spec.total_path), self._count(page, spec.offset_path)
        if offset != 0:
            raise UpstreamPayloadError(self.source, spec.offset_path, f"asked for offset 0, got {offset}")
        if not items:
            return []
        self._step, self._planned_total = len(items), total
        return [self._params(offset) for offset in range(self._step, total, self._step)]

    def confirm(self, asked: PageParams, page: Mapping[str, Any], items: list[Any]) -> None:
        assert self.spec.offset_path is not None  # planned only with an offset_path
        offset = int(asked[self.spec.offset_param])
        if self._count(page, self.spec.offset_path) != offset:
            raise self._loop()
        is_last = offset + self._step >= self._planned_total
        if len(items) > self._step or (len(items) < self._step and not is_last):
            raise UpstreamPayloadError(
                self.source,
                "pagination",
                f"the page at offset {offset} holds {len(items)} records, the first held {self._step}",
            )

    def total(self, page: Mapping[str, Any], items: list[Any]) -> int | None:
        return None if self.spec.total_path is None else self._count(page, self.spec.total_path)

"""Paginators: how to ask an upstream for the next page. One small strategy per paging style.

A paginator sees each decoded page and answers the query parameters of the next one, or ``None`` at the
end. A new style is a subclass of :class:`Paginator` implementing ``first_page`` and ``next_page``,
registered in :data:`PAGINATORS`. The shared loop guard in :meth:`Paginator.advance` stops a provider that
hands out the same page or cursor twice.

A style whose first page says how many pages there are may also implement ``plan``: the paging loop then
fetches the remaining pages side by side, and ``confirm`` checks each answered the page it was asked for
(a provider that ignores the page parameter repeats page 1: the same loop, reported the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from foundation.errors import UpstreamPayloadError

PaginatorName = Literal["single", "page_size", "cursor", "page_number"]
PageParams = dict[str, str]


class Paginator:
    """Extension point: the paging loop calls ``first_page()`` once, then ``advance(page)`` per page."""

    name: ClassVar[PaginatorName]

    def __init__(self, source: str, page_size: int) -> None:
        self.source = source
        self.page_size = page_size
        self._seen: set[str] = set()

    def first_page(self) -> PageParams:
        raise NotImplementedError

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        raise NotImplementedError

    def advance(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        following = self.next_page(page, items)
        if following is None:
            return None
        marker = repr(sorted(following.items()))
        if marker in self._seen:
            raise self._loop()
        self._seen.add(marker)
        return following

    def plan(self, page: Mapping[str, Any], items: list[Any]) -> list[PageParams] | None:
        """After the first page: the parameters of every remaining page, or ``None`` (follow ``advance``)."""
        return None

    def confirm(self, asked: PageParams, page: Mapping[str, Any]) -> None:
        """A planned page must be the page asked for."""

    def _loop(self) -> UpstreamPayloadError:
        return UpstreamPayloadError(self.source, "pagination", "Loop detected in pagination")

    def _int(self, page: Mapping[str, Any], field: str) -> int:
        value = page.get(field)
        if not isinstance(value, int) or isinstance(value, bool):
            raise UpstreamPayloadError(self.source, field, f"expected an integer, got {value!r}")
        return value


class SinglePage(Paginator):
    """The whole answer in one document."""

    name = "single"

    def first_page(self) -> PageParams:
        return {}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        return None


class PageSizePaginator(Paginator):
    """``page``/``pageSize`` with a ``total`` item count (electricity)."""

    name = "page_size"

    def first_page(self) -> PageParams:
        return {"page": "1", "pageSize": str(self.page_size)}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        number, size, total = self._int(page, "page"), self._int(page, "pageSize"), self._int(page, "total")
        if not items or number * size >= total:
            return None
        return {"page": str(number + 1), "pageSize": str(self.page_size)}

    def plan(self, page: Mapping[str, Any], items: list[Any]) -> list[PageParams] | None:
        number, size, total = self._int(page, "page"), self._int(page, "pageSize"), self._int(page, "total")
        if number != 1:
            raise UpstreamPayloadError(self.source, "page", f"asked for page 1, got {number}")
        if not items or size < 1:
            return []
        last = -(-total // size)  # the answered page size: a provider may cap the one asked for
        return [{"page": str(number), "pageSize": str(self.page_size)} for number in range(2, last + 1)]

    def confirm(self, asked: PageParams, page: Mapping[str, Any]) -> None:
        if self._int(page, "page") != int(asked["page"]):
            raise self._loop()


class CursorPaginator(Paginator):
    """An opaque ``next_cursor`` until it is null (logistics)."""

    name = "cursor"

    def first_page(self) -> PageParams:
        return {"limit": str(self.page_size)}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        cursor = page.get("next_cursor")
        if cursor is None:
            return None
        if not isinstance(cursor, str) or not cursor:
            raise UpstreamPayloadError(
                self.source, "next_cursor", f"expected a string or null, got {cursor!r}"
            )
        return {"limit": str(self.page_size), "cursor": cursor}


class PageNumberPaginator(Paginator):
    """``page``/``page_size`` with ``total_pages`` (trade)."""

    name = "page_number"

    def first_page(self) -> PageParams:
        return {"page": "1", "page_size": str(self.page_size)}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        number, total_pages = self._int(page, "page"), self._int(page, "total_pages")
        if not items or number >= total_pages:
            return None
        return {"page": str(number + 1), "page_size": str(self.page_size)}

    def plan(self, page: Mapping[str, Any], items: list[Any]) -> list[PageParams] | None:
        number, total_pages = self._int(page, "page"), self._int(page, "total_pages")
        if number != 1:
            raise UpstreamPayloadError(self.source, "page", f"asked for page 1, got {number}")
        if not items:
            return []
        return [
            {"page": str(number), "page_size": str(self.page_size)} for number in range(2, total_pages + 1)
        ]

    def confirm(self, asked: PageParams, page: Mapping[str, Any]) -> None:
        if self._int(page, "page") != int(asked["page"]):
            raise self._loop()


PAGINATORS: dict[PaginatorName, type[Paginator]] = {
    paginator.name: paginator
    for paginator in (SinglePage, PageSizePaginator, CursorPaginator, PageNumberPaginator)
}

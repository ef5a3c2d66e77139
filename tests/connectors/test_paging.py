"""Paginators, table-driven over their specs: each style's pages to the end, a repeated page or cursor as a
loop, a missing or garbled paging field named as the spec declares it, and the plan of the styles that can
fetch their remaining pages side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.paging import (
    CursorPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageParams,
    Paginator,
    PaginatorSpec,
    SinglePage,
)
from foundation.errors import UpstreamPayloadError

PAGE_SIZE = 2
ITEM_TOTAL = PageNumberPaginator(
    page_param="page", size_param="pageSize", total_path="total", page_path="page"
)
PAGE_TOTAL = PageNumberPaginator(
    page_param="page", size_param="page_size", total_pages_path="total_pages", page_path="page"
)
UNTIL_EMPTY = PageNumberPaginator(page_param="p")
CURSOR = CursorPaginator(cursor_param="cursor", cursor_path="next_cursor", size_param="limit")
NESTED_CURSOR = CursorPaginator(cursor_param="after", cursor_path="paging.next")
OFFSET = OffsetPaginator(
    offset_param="offset", limit_param="limit", total_path="meta.total", offset_path="meta.offset"
)
BARE_OFFSET = OffsetPaginator(offset_param="skip", limit_param="take", total_path="total")
SINGLE = SinglePage()


def walk(spec: PaginatorSpec, pages: list[dict[str, Any]]) -> list[PageParams]:
    """The parameters a fresh paginator asks for, page after page (records under ``items``), to the end."""
    paginator = spec.start("test", PAGE_SIZE)
    asked = [paginator.begin()]
    for page in pages:
        following = paginator.advance(page, page["items"])
        if following is None:
            return asked
        asked.append(following)
    raise AssertionError("the paginator did not stop")


@dataclass(frozen=True)
class Walk:
    spec: PaginatorSpec
    pages: list[dict[str, Any]]
    asked: list[PageParams]


WALKS = {
    "items total": Walk(
        ITEM_TOTAL,
        [{"page": 1, "total": 3, "items": [1, 2]}, {"page": 2, "total": 3, "items": [3]}],
        [{"page": "1", "pageSize": "2"}, {"page": "2", "pageSize": "2"}],
    ),
    "items total, the page size capped by the provider": Walk(
        ITEM_TOTAL,
        [
            {"page": 1, "total": 3, "items": [1]},
            {"page": 2, "total": 3, "items": [2]},
            {"page": 3, "total": 3, "items": [3]},
        ],
        [{"page": str(number), "pageSize": "2"} for number in (1, 2, 3)],
    ),
    "pages total, ended by an empty page": Walk(
        PAGE_TOTAL,
        [{"page": 1, "total_pages": 3, "items": [1, 2]}, {"page": 2, "total_pages": 3, "items": []}],
        [{"page": "1", "page_size": "2"}, {"page": "2", "page_size": "2"}],
    ),
    "pages total of zero": Walk(
        PAGE_TOTAL, [{"page": 1, "total_pages": 0, "items": []}], [{"page": "1", "page_size": "2"}]
    ),
    "no total, no echo: until an empty page": Walk(
        UNTIL_EMPTY,
        [{"items": [1, 2]}, {"items": [3]}, {"items": []}],
        [{"p": "1"}, {"p": "2"}, {"p": "3"}],
    ),
    "cursor until null": Walk(
        CURSOR,
        [{"items": [1, 2], "next_cursor": "c1"}, {"items": [3], "next_cursor": None}],
        [{"limit": "2"}, {"limit": "2", "cursor": "c1"}],
    ),
    "nested cursor until absent, no size": Walk(
        NESTED_CURSOR,
        [{"items": [1], "paging": {"next": "n1"}}, {"items": [2], "paging": {}}],
        [{}, {"after": "n1"}],
    ),
    "offset to the nested total": Walk(
        OFFSET,
        [
            {"meta": {"total": 3, "offset": 0}, "items": [1, 2]},
            {"meta": {"total": 3, "offset": 2}, "items": [3]},
        ],
        [{"offset": "0", "limit": "2"}, {"offset": "2", "limit": "2"}],
    ),
    "offset without echo, steps by what each page held": Walk(
        BARE_OFFSET,
        [{"total": 3, "items": [1]}, {"total": 3, "items": [2, 3]}],
        [{"skip": "0", "take": "2"}, {"skip": "1", "take": "2"}],
    ),
    "single page": Walk(SINGLE, [{"items": [1, 2]}], [{}]),
}


@pytest.mark.parametrize("case", WALKS.values(), ids=WALKS.keys())
def test_pages_to_the_end(case: Walk) -> None:
    assert walk(case.spec, case.pages) == case.asked


LOOPS: dict[str, tuple[PaginatorSpec, list[dict[str, Any]]]] = {
    "the same cursor twice": (
        CURSOR,
        [{"items": [1], "next_cursor": "same"}, {"items": [2], "next_cursor": "same"}],
    ),
    "a page number that does not advance": (
        PAGE_TOTAL,
        [{"page": 1, "total_pages": 5, "items": [1]}, {"page": 1, "total_pages": 5, "items": [1]}],
    ),
    "an item-counted page that does not advance": (
        ITEM_TOTAL,
        [{"page": 1, "total": 9, "items": [1, 2]}, {"page": 1, "total": 9, "items": [1, 2]}],
    ),
    "an offset that does not advance": (
        OFFSET,
        [
            {"meta": {"total": 9, "offset": 0}, "items": [1, 2]},
            {"meta": {"total": 9, "offset": 0}, "items": [1, 2]},
        ],
    ),
}


@pytest.mark.parametrize(("spec", "pages"), LOOPS.values(), ids=LOOPS.keys())
def test_a_repeated_page_is_a_loop(spec: PaginatorSpec, pages: list[dict[str, Any]]) -> None:
    with pytest.raises(UpstreamPayloadError, match="Loop detected in pagination") as raised:
        walk(spec, pages)
    assert raised.value.field == "pagination"


def test_each_listing_has_a_loop_guard_of_its_own() -> None:
    """One spec, two listings: the cursor of the first is no loop in the second."""
    pages: list[dict[str, Any]] = [{"items": [1], "next_cursor": "c1"}, {"items": [2], "next_cursor": None}]
    expected = [{"limit": "2"}, {"limit": "2", "cursor": "c1"}]
    assert walk(CURSOR, pages) == expected
    assert walk(CURSOR, pages) == expected


MALFORMED: dict[str, tuple[PaginatorSpec, dict[str, Any], str]] = {
    "page number a string": (ITEM_TOTAL, {"page": "1", "total": 3, "items": [1]}, "page"),
    "items total missing": (ITEM_TOTAL, {"page": 1, "items": [1]}, "total"),
    "pages total null": (PAGE_TOTAL, {"page": 1, "total_pages": None, "items": [1]}, "total_pages"),
    "pages total a boolean": (PAGE_TOTAL, {"page": 1, "total_pages": True, "items": [1]}, "total_pages"),
    "cursor a number": (CURSOR, {"items": [1], "next_cursor": 17}, "next_cursor"),
    "nested cursor empty": (NESTED_CURSOR, {"items": [1], "paging": {"next": ""}}, "paging.next"),
    "nested total missing": (OFFSET, {"meta": {"offset": 0}, "items": [1]}, "meta.total"),
    "nested total negative": (OFFSET, {"meta": {"total": -1, "offset": 0}, "items": [1]}, "meta.total"),
    "offset echo not a number": (OFFSET, {"meta": {"total": 5, "offset": "0"}, "items": [1]}, "meta.offset"),
    "total under a list": (BARE_OFFSET, {"total": [5], "items": [1]}, "total"),
}


@pytest.mark.parametrize(("spec", "page", "field"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_garbled_paging_field_is_named_as_the_spec_declares_it(
    spec: PaginatorSpec, page: dict[str, Any], field: str
) -> None:
    paginator = spec.start("test", PAGE_SIZE)
    paginator.begin()
    with pytest.raises(UpstreamPayloadError) as raised:
        paginator.advance(page, page["items"])
    assert raised.value.field == field
    assert raised.value.extensions == {"source": "test", "field": field}


PLANS: dict[str, tuple[PaginatorSpec, dict[str, Any], list[PageParams]]] = {
    "items total": (
        ITEM_TOTAL,
        {"page": 1, "total": 5, "items": [1, 2]},
        [{"page": "2", "pageSize": "2"}, {"page": "3", "pageSize": "2"}],
    ),
    "items total within the first page": (ITEM_TOTAL, {"page": 1, "total": 2, "items": [1, 2]}, []),
    "pages total": (
        PAGE_TOTAL,
        {"page": 1, "total_pages": 3, "items": [1]},
        [{"page": "2", "page_size": "2"}, {"page": "3", "page_size": "2"}],
    ),
    "pages total, nothing there": (PAGE_TOTAL, {"page": 1, "total_pages": 3, "items": []}, []),
    "offset, by the first page's length": (
        OFFSET,
        {"meta": {"total": 5, "offset": 0}, "items": [1, 2]},
        [{"offset": "2", "limit": "2"}, {"offset": "4", "limit": "2"}],
    ),
    "offset within the first page": (OFFSET, {"meta": {"total": 1, "offset": 0}, "items": [1]}, []),
}


@pytest.mark.parametrize(("spec", "first", "planned"), PLANS.values(), ids=PLANS.keys())
def test_plan_of_the_remaining_pages(
    spec: PaginatorSpec, first: dict[str, Any], planned: list[PageParams]
) -> None:
    paginator = spec.start("test", PAGE_SIZE)
    paginator.begin()
    assert paginator.plan(first, first["items"]) == planned


NO_PLAN: dict[str, tuple[PaginatorSpec, dict[str, Any]]] = {
    "cursor": (CURSOR, {"items": [1], "next_cursor": "c1"}),
    "page numbers without a total": (UNTIL_EMPTY, {"items": [1]}),
    "page numbers without an echo": (
        PageNumberPaginator(page_param="page", total_path="total"),
        {"total": 9, "items": [1]},
    ),
    "offset without an echo": (BARE_OFFSET, {"total": 9, "items": [1]}),
    "single page": (SINGLE, {"items": [1]}),
}


@pytest.mark.parametrize(("spec", "first"), NO_PLAN.values(), ids=NO_PLAN.keys())
def test_styles_that_cannot_check_a_planned_page_walk_one_after_the_other(
    spec: PaginatorSpec, first: dict[str, Any]
) -> None:
    paginator = spec.start("test", PAGE_SIZE)
    paginator.begin()
    assert paginator.plan(first, first["items"]) is None


@pytest.mark.parametrize(
    ("spec", "first", "field"),
    [
        (PAGE_TOTAL, {"page": 2, "total_pages": 3, "items": [1]}, "page"),
        (OFFSET, {"meta": {"total": 9, "offset": 4}, "items": [1]}, "meta.offset"),
    ],
)
def test_a_first_page_that_is_not_the_first(spec: PaginatorSpec, first: dict[str, Any], field: str) -> None:
    paginator = spec.start("test", PAGE_SIZE)
    paginator.begin()
    with pytest.raises(UpstreamPayloadError, match="asked for") as raised:
        paginator.plan(first, first["items"])
    assert raised.value.field == field


def planned(spec: PaginatorSpec, first: dict[str, Any]) -> tuple[Paginator[Any], list[PageParams]]:
    paginator = spec.start("test", PAGE_SIZE)
    paginator.begin()
    pages = paginator.plan(first, first["items"])
    assert pages
    return paginator, pages


@pytest.mark.parametrize(
    ("spec", "first", "answer"),
    [
        (
            PAGE_TOTAL,
            {"page": 1, "total_pages": 3, "items": [1]},
            {"page": 1, "total_pages": 3, "items": [1]},
        ),
        (
            OFFSET,
            {"meta": {"total": 5, "offset": 0}, "items": [1, 2]},
            {"meta": {"total": 5, "offset": 0}, "items": [1, 2]},
        ),
    ],
)
def test_a_planned_page_answering_another_page_is_a_loop(
    spec: PaginatorSpec, first: dict[str, Any], answer: dict[str, Any]
) -> None:
    paginator, pages = planned(spec, first)
    with pytest.raises(UpstreamPayloadError, match="Loop detected in pagination"):
        paginator.confirm(pages[0], answer, answer["items"])


def test_planned_offsets_must_hold_what_the_first_page_held() -> None:
    paginator, pages = planned(OFFSET, {"meta": {"total": 5, "offset": 0}, "items": [1, 2]})
    second, last = pages
    paginator.confirm(second, {"meta": {"total": 5, "offset": 2}}, [3, 4])
    paginator.confirm(last, {"meta": {"total": 5, "offset": 4}}, [5])  # the last may be short
    with pytest.raises(UpstreamPayloadError, match="holds 1 records, the first held 2") as raised:
        paginator.confirm(second, {"meta": {"total": 5, "offset": 2}}, [3])
    assert raised.value.field == "pagination"
    with pytest.raises(UpstreamPayloadError, match="holds 3 records"):
        paginator.confirm(last, {"meta": {"total": 5, "offset": 4}}, [5, 6, 7])


@pytest.mark.parametrize(
    ("spec", "page", "total"),
    [
        (ITEM_TOTAL, {"page": 1, "total": 7, "items": [1]}, 7),
        (OFFSET, {"meta": {"total": 7, "offset": 0}, "items": [1]}, 7),
        (SINGLE, {"items": [1, 2]}, 2),
        (PAGE_TOTAL, {"page": 1, "total_pages": 7, "items": [1]}, None),
        (CURSOR, {"items": [1], "next_cursor": "c"}, None),
    ],
)
def test_the_total_a_first_page_tells(spec: PaginatorSpec, page: dict[str, Any], total: int | None) -> None:
    assert spec.start("test", 1).total(page, page["items"]) == total


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: PageNumberPaginator(page_param="p", total_path="n", total_pages_path="m"), "not both"),
        (lambda: OffsetPaginator(offset_param="o", limit_param="l", total_path="meta..total"), "meta..total"),
        (lambda: CursorPaginator(cursor_param="c", cursor_path=""), "cursor_path"),
    ],
)
def test_specs_are_checked_when_declared(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


@dataclass(frozen=True, kw_only=True)
class LinkHeaderLike(PaginatorSpec):
    """A style of the test's own: a next page number under ``next_path``."""

    page_param: str
    next_path: str


class LinkHeaderLikePaging(Paginator[LinkHeaderLike], spec=LinkHeaderLike):
    def first_page(self) -> PageParams:
        return {}

    def next_page(self, page: Mapping[str, Any], items: list[Any]) -> PageParams | None:
        following = page.get(self.spec.next_path)
        return None if following is None else {self.spec.page_param: str(following)}


def test_a_new_style_is_a_spec_and_a_registered_paginator() -> None:
    spec = LinkHeaderLike(page_param="n", next_path="next")
    assert walk(spec, [{"items": [1], "next": 2}, {"items": [2], "next": None}]) == [{}, {"n": "2"}]


def test_a_spec_has_one_paginator_and_an_unregistered_spec_none() -> None:
    with pytest.raises(TypeError, match="PageNumberPaginator already has a paginator: PageNumberPaging"):

        class Another(Paginator[PageNumberPaginator], spec=PageNumberPaginator):
            pass

    @dataclass(frozen=True)
    class Unregistered(PaginatorSpec):
        pass

    with pytest.raises(TypeError, match="no paginator is registered for Unregistered"):
        Unregistered().start("test", 1)

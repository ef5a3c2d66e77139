"""Paginators: each style's next page, the end, and the shared loop guard."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.paging import PAGINATORS, PageParams, PaginatorName
from foundation.errors import UpstreamPayloadError


def walk(name: PaginatorName, pages: list[dict[str, Any]], record_path: str) -> list[PageParams]:
    """The parameters a paginator asks for, page after page, until it says the end."""
    paginator = PAGINATORS[name]("test", 2)
    asked = [paginator.first_page()]
    for page in pages:
        following = paginator.advance(page, page[record_path])
        if following is None:
            return asked
        asked.append(following)
    raise AssertionError("the paginator did not stop")


def test_page_size_stops_at_total() -> None:
    pages = [
        {"page": 1, "pageSize": 2, "total": 3, "items": [1, 2]},
        {"page": 2, "pageSize": 2, "total": 3, "items": [3]},
    ]
    assert walk("page_size", pages, "items") == [
        {"page": "1", "pageSize": "2"},
        {"page": "2", "pageSize": "2"},
    ]


def test_cursor_follows_until_null() -> None:
    pages: list[dict[str, Any]] = [{"data": [1, 2], "next_cursor": "c1"}, {"data": [3], "next_cursor": None}]
    assert walk("cursor", pages, "data") == [{"limit": "2"}, {"limit": "2", "cursor": "c1"}]


def test_page_number_stops_at_total_pages_or_an_empty_page() -> None:
    pages = [
        {"page": 1, "total_pages": 3, "orders": [1, 2]},
        {"page": 2, "total_pages": 3, "orders": []},
    ]
    assert walk("page_number", pages, "orders") == [
        {"page": "1", "page_size": "2"},
        {"page": "2", "page_size": "2"},
    ]


def test_single_page_has_no_next() -> None:
    assert walk("single", [{"items": []}], "items") == [{}]


def test_the_same_cursor_twice_is_a_loop() -> None:
    pages = [{"data": [1], "next_cursor": "same"}, {"data": [2], "next_cursor": "same"}]
    with pytest.raises(UpstreamPayloadError, match="Loop detected in pagination") as raised:
        walk("cursor", pages, "data")
    assert raised.value.field == "pagination"


def test_a_page_number_that_does_not_advance_is_a_loop() -> None:
    pages = [{"page": 1, "total_pages": 5, "orders": [1]}, {"page": 1, "total_pages": 5, "orders": [1]}]
    with pytest.raises(UpstreamPayloadError, match="Loop detected in pagination"):
        walk("page_number", pages, "orders")


@pytest.mark.parametrize(
    ("name", "page", "field"),
    [
        ("page_size", {"page": "1", "pageSize": 2, "total": 3, "items": [1]}, "page"),
        ("page_number", {"page": 1, "total_pages": None, "orders": [1]}, "total_pages"),
        ("cursor", {"data": [1], "next_cursor": 17}, "next_cursor"),
    ],
)
def test_malformed_paging_fields(name: PaginatorName, page: dict[str, Any], field: str) -> None:
    paginator = PAGINATORS[name]("test", 2)
    with pytest.raises(UpstreamPayloadError) as raised:
        paginator.advance(page, [1])
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("name", "first", "planned"),
    [
        ("page_size", {"page": 1, "pageSize": 2, "total": 5, "items": [1, 2]}, ["2", "3"]),
        ("page_size", {"page": 1, "pageSize": 2, "total": 2, "items": [1, 2]}, []),
        ("page_number", {"page": 1, "total_pages": 3, "orders": [1]}, ["2", "3"]),
        ("page_number", {"page": 1, "total_pages": 3, "orders": []}, []),
    ],
)
def test_plan_of_the_remaining_pages(name: PaginatorName, first: dict[str, Any], planned: list[str]) -> None:
    paginator = PAGINATORS[name]("test", 2)
    record_path = next(key for key, value in first.items() if isinstance(value, list))
    pages = paginator.plan(first, first[record_path])
    assert pages is not None and [page["page"] for page in pages] == planned


def test_cursor_paging_has_no_plan() -> None:
    assert PAGINATORS["cursor"]("test", 2).plan({"data": [1], "next_cursor": "c1"}, [1]) is None


def test_a_planned_page_answering_another_number_is_a_loop() -> None:
    paginator = PAGINATORS["page_number"]("test", 2)
    with pytest.raises(UpstreamPayloadError, match="Loop detected in pagination"):
        paginator.confirm({"page": "2", "page_size": "2"}, {"page": 1, "total_pages": 3, "orders": [1]})

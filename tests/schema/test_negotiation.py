"""Content negotiation of /graphql: the media type of an answer, and what is refused before authentication."""

from __future__ import annotations

import pytest

from schema.negotiation import GRAPHQL_RESPONSE_JSON, HTML, JSON, Refusal, negotiate, negotiate_request


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=0.5, application/json", JSON),
        (f"{GRAPHQL_RESPONSE_JSON};q=oops, application/json", JSON),
        ("APPLICATION/JSON", JSON),
        ("text/html", None),
        ("application/json;q=0", None),
    ],
)
def test_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


def _request(
    method: str = "POST",
    accept: str | None = None,
    content_type: str | None = JSON,
    query_string: bytes = b"",
    *,
    graphiql: bool = True,
) -> str | Refusal:
    return negotiate_request(method, accept, content_type, query_string, graphiql=graphiql)


def _refused(outcome: str | Refusal) -> tuple[int, str, dict[str, str]]:
    assert isinstance(outcome, Refusal), outcome
    assert outcome.error.code == "BAD_REQUEST"
    return outcome.status, outcome.media_type, outcome.headers


def test_admitted_requests_get_their_media_type() -> None:
    assert _request() == JSON
    assert _request(content_type="application/json; charset=utf-8", accept=GRAPHQL_RESPONSE_JSON) == (
        GRAPHQL_RESPONSE_JSON
    )
    assert _request("GET", content_type=None, query_string=b"query=%7B__typename%7D") == JSON


def test_other_methods_are_405_first() -> None:
    # Before the Accept and the body's type are looked at: a PUT of text to text/csv is still 405.
    outcome = _request("PUT", accept="text/csv", content_type="text/plain")
    assert _refused(outcome) == (405, JSON, {"Allow": "GET, POST"})


def test_an_accept_without_json_is_406_before_the_body_type() -> None:
    assert _refused(_request(accept="text/csv", content_type="text/plain"))[:2] == (406, JSON)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_post_that_is_not_json_is_415_in_the_media_type_negotiated(content_type: str | None) -> None:
    outcome = _request(accept=GRAPHQL_RESPONSE_JSON, content_type=content_type)
    assert _refused(outcome)[:2] == (415, GRAPHQL_RESPONSE_JSON)


@pytest.mark.parametrize(
    ("method", "accept", "query_string", "graphiql", "expected"),
    [
        ("GET", "text/html", b"", True, HTML),
        ("GET", "text/html,application/xhtml+xml,*/*;q=0.8", b"", True, HTML),
        ("GET", "text/html", b"", False, None),  # GraphiQL off: text/html alone is not acceptable
        ("GET", "text/html, */*", b"query=%7B__typename%7D", True, JSON),  # a query: not the page
        ("GET", "text/html;q=0, application/json", b"", True, JSON),
        ("GET", "*/*", b"", True, JSON),
    ],
)
def test_graphiql_is_for_browsers_asking_for_html(
    method: str, accept: str, query_string: bytes, graphiql: bool, expected: str | None
) -> None:
    outcome = _request(method, accept, None, query_string, graphiql=graphiql)
    if expected is None:
        assert _refused(outcome)[0] == 406
    else:
        assert outcome == expected

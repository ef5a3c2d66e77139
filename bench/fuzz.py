"""Fuzzing ``/graphql``: random valid and invalid documents generated from the hub's schema
(hypothesis-graphql) and random garbage bodies, content types and query strings; thousands of them.

Every answer must be below 500, carry no stack trace, and every GraphQL error must have
``extensions.code``. The same strategies and check run a few hundred times in CI
(tests/fuzz/test_graphql_fuzz.py); this script runs them against a ``hub serve`` process.

    .venv/bin/python -m bench.fuzz [--examples 2000] [--seed 1] [--write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import graphql
import httpx
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from bench.harness import argument_parser, backend_label, bench_stack
from bench.report import run_and_report, section, table
from foundation.settings import Settings
from schema.build import build_schema

UNKNOWN_CODE = "91330100000000000X"
TYPED_CODES = frozenset(
    {
        "BAD_CREDIT_CODE",
        "BAD_REQUEST",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NO_CONSENT",
        "RATE_LIMITED",
        "QUERY_TOO_COMPLEX",
        "NOT_FOUND",
        "SOURCE_UNAVAILABLE",
    }
)
"""The error codes of DESIGN.md (hub/errors.py); anything else, e.g. INTERNAL_SERVER_ERROR, is a bug."""
ENTITY_TYPENAMES = ("Enterprise", "Nope", "")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def hub_schema() -> graphql.GraphQLSchema:
    return build_schema(Settings())._schema


def credit_code_values(codes: Sequence[str]) -> st.SearchStrategy[graphql.ValueNode]:
    """IDs as credit codes: known firms (the data paths run), valid unknown ones, and noise."""
    known = st.sampled_from(list(codes)) if codes else st.nothing()
    return (known | st.just(UNKNOWN_CODE) | st.text(max_size=24)).map(nodes.String)


def entity_representations(
    codes: Sequence[str], typenames: Sequence[str] = ENTITY_TYPENAMES
) -> st.SearchStrategy[graphql.ValueNode]:
    """Federation ``_Any``: representations of ``typenames`` (unknown ones included by default)."""

    def representation(typename: str, code: str) -> graphql.ValueNode:
        return nodes.Object(
            [
                graphql.ObjectFieldNode(
                    name=graphql.NameNode(value="__typename"), value=nodes.String(typename)
                ),
                graphql.ObjectFieldNode(name=graphql.NameNode(value="creditCode"), value=nodes.String(code)),
            ]
        )

    return st.builds(
        representation, st.sampled_from(list(typenames)), st.sampled_from([*codes, UNKNOWN_CODE, "x"])
    )


def json_values() -> st.SearchStrategy[graphql.ValueNode]:
    """The ``JSON`` scalar (product documents): any JSON value, objects and lists nested a little."""
    scalars = (
        st.text(max_size=12).map(nodes.String)
        | st.integers(-(10**6), 10**6).map(nodes.Int)
        | st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float)
        | st.booleans().map(nodes.Boolean)
        | st.just(nodes.Null)
    )

    def objects(children: st.SearchStrategy[graphql.ValueNode]) -> st.SearchStrategy[graphql.ValueNode]:
        fields = st.dictionaries(
            st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True), children, max_size=4
        )
        return fields.map(
            lambda found: nodes.Object(
                [
                    graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=value)
                    for key, value in found.items()
                ]
            )
        ) | st.lists(children, max_size=4).map(nodes.List)

    return st.recursive(scalars, objects, max_leaves=12)


def documents(
    codes: Sequence[str], mode: Mode, typenames: Sequence[str] = ENTITY_TYPENAMES
) -> st.SearchStrategy[str]:
    """GraphQL documents from the hub's schema: valid ones (``Mode.POSITIVE``) or with one schema
    violation each (``Mode.NEGATIVE``); ``_entities`` representations name ``typenames``."""
    scalars = {
        "ID": credit_code_values(codes),
        "_Any": entity_representations(codes, typenames),
        "Date": (st.dates().map(str) | st.text(max_size=12)).map(nodes.String),
        "DateTime": (st.datetimes().map(str) | st.text(max_size=12)).map(nodes.String),
        "Decimal": (st.decimals(allow_nan=False, places=2).map(str) | st.text(max_size=12)).map(nodes.String),
        "JSON": json_values(),
    }
    strategy = from_schema(hub_schema(), custom_scalars=scalars, mode=mode)
    return strategy.map(str)


@dataclass(frozen=True)
class RawRequest:
    """An HTTP request to ``/graphql`` as a fuzzer builds it."""

    method: str
    content_type: str | None
    body: bytes
    params: dict[str, str] = field(default_factory=dict)


def garbage_requests() -> st.SearchStrategy[RawRequest]:
    """Bodies that are not GraphQL requests: random bytes, random JSON, wrong field types, odd content
    types and methods, GET query strings."""
    content_types = st.sampled_from(
        ["application/json", "application/graphql", "text/plain", "multipart/form-data", "", None]
    )
    shaped = st.fixed_dictionaries(
        {}, optional={"query": JSON_VALUES, "variables": JSON_VALUES, "operationName": JSON_VALUES}
    ).map(lambda value: json.dumps(value).encode())
    anything = st.binary(max_size=200) | JSON_VALUES.map(lambda value: json.dumps(value).encode()) | shaped
    posts = st.builds(RawRequest, st.just("POST"), content_types, anything)
    parameters = ("query", "variables", "operationName", "x")
    gets = st.builds(
        RawRequest,
        st.just("GET"),
        st.just(None),
        st.just(b""),
        st.fixed_dictionaries({}, optional={name: st.text(max_size=40) for name in parameters}),
    )
    others = st.builds(
        RawRequest, st.sampled_from(["PUT", "DELETE", "PATCH"]), content_types, st.binary(max_size=40)
    )
    return posts | gets | others


def problems_of(response: httpx.Response) -> list[str]:
    """What is wrong with an answer: a 5xx, a stack trace, a non-JSON body, an error without a code."""
    found = []
    if response.status_code >= 500:
        found.append(f"HTTP {response.status_code}")
    if "Traceback" in response.text or 'File "' in response.text:
        found.append("stack trace in the body")
    try:
        body = response.json()
    except ValueError:
        return [*found, f"not JSON (HTTP {response.status_code}, {response.headers.get('content-type')})"]
    errors = body.get("errors", []) if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return [*found, "errors is not a list"]
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        if code not in TYPED_CODES:
            found.append(
                f"error code {code!r} is not one of the typed codes: {str(error.get('message'))[:80]}"
            )
    return found


def send_document(http: httpx.Client, document: str) -> httpx.Response:
    return http.post("/graphql", json={"query": document})


def send_raw(http: httpx.Client, request: RawRequest) -> httpx.Response:
    headers = {"content-type": request.content_type} if request.content_type is not None else {}
    return http.request(
        request.method, "/graphql", content=request.body or None, params=request.params, headers=headers
    )


FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "database": None,
}


@dataclass
class Tally:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def problem(self, problem: str, sent: str) -> None:
        self.problems[problem] += 1
        self.examples.setdefault(problem, sent[:300])

    def record(self, response: httpx.Response, sent: str) -> None:
        self.sent += 1
        self.statuses[response.status_code] += 1
        try:
            body = response.json()
            for error in body.get("errors") or [] if isinstance(body, dict) else []:
                self.codes[str((error.get("extensions") or {}).get("code"))] += 1
        except ValueError:
            pass
        for problem in problems_of(response):
            self.problem(problem, sent)


def fuzz(
    name: str,
    strategy: st.SearchStrategy[object],
    send: Callable[[object], httpx.Response],
    examples: int,
    rng: int,
) -> Tally:
    tally = Tally()

    @seed(rng)
    @settings(max_examples=examples, **FUZZ_SETTINGS)  # type: ignore[arg-type]
    @given(strategy)
    def run(example: object) -> None:
        try:
            response = send(example)
        except httpx.TransportError as error:  # the server dropped the connection: as bad as a 500
            tally.sent += 1
            tally.problem(f"connection failed: {type(error).__name__}", repr(example))
            return
        tally.record(response, repr(example))

    run()
    return tally


async def run_bench(options: argparse.Namespace) -> str:
    async with bench_stack(options, size=2000, consented=20) as stack:
        codes = stack.codes[1:20]  # the listing's first firm is a core enterprise (slow to page)
        client = httpx.Client(base_url=stack.hub_url, headers=stack.headers, timeout=60)
        started = time.perf_counter()
        with client:
            shares = {"valid documents": 0.5, "invalid documents": 0.3, "garbage requests": 0.2}
            strategies: dict[str, tuple[st.SearchStrategy[object], Callable[[object], httpx.Response]]] = {
                "valid documents": (
                    documents(codes, Mode.POSITIVE),
                    lambda doc: send_document(client, str(doc)),
                ),
                "invalid documents": (
                    documents(codes, Mode.NEGATIVE),
                    lambda doc: send_document(client, str(doc)),
                ),
                "garbage requests": (garbage_requests(), lambda raw: send_raw(client, raw)),  # type: ignore[arg-type]
            }
            tallies = {
                name: await asyncio.to_thread(
                    fuzz, name, strategy, send, max(1, int(options.examples * shares[name])), options.seed
                )
                for name, (strategy, send) in strategies.items()
            }
        elapsed = time.perf_counter() - started
    return report(options, tallies, elapsed)


def report(options: argparse.Namespace, tallies: dict[str, Tally], elapsed: float) -> str:
    rows = [
        [
            name,
            tally.sent,
            ", ".join(f"{status}: {count}" for status, count in sorted(tally.statuses.items())),
            ", ".join(f"{code} {count}" for code, count in tally.codes.most_common(6)),
            sum(tally.problems.values()),
        ]
        for name, tally in tallies.items()
    ]
    total_problems = sum(sum(tally.problems.values()) for tally in tallies.values())
    lines = [
        table(["kind", "requests", "HTTP statuses", "most frequent error codes", "problems"], rows),
        "",
        f"Problems (5xx, stack trace, non-JSON, error without code): {total_problems} "
        f"(goal 0: {'met' if total_problems == 0 else 'NOT met'}). {elapsed:.0f} s in all.",
    ]
    for tally in tallies.values():
        for problem, count in tally.problems.most_common():
            lines.append(f"- {problem} × {count}; e.g. `{tally.examples[problem]}`")
    conditions = (
        f"hypothesis seed {options.seed}, hypothesis-graphql documents from the hub's schema (IDs drawn from "
        f"known, unknown and random credit codes), {backend_label(options)}, hub serve over HTTP"
    )
    return section("fuzz", "Fuzzing /graphql", "\n".join(lines), conditions)


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--examples", type=int, default=2000, help="requests in all")
    parser.add_argument("--seed", type=int, default=1)
    run_and_report("fuzz", run_bench, parser.parse_args())


if __name__ == "__main__":
    main()

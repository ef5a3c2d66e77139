"""The receivable lifecycle (sandbox.lifecycle): its invariants over every receivable of the default
universe, its agreement with the receivables list, the ``voucher-splitter`` fixture, both endpoints over
real HTTP (auth, paging, 404) and determinism."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundation.credit_code import check_character
from sandbox import lifecycle
from sandbox.control import SandboxControl
from sandbox.fixtures import fixture_code
from sandbox.flows import orders_of, receivables_of, relation_flows
from sandbox.lifecycle import SPLIT_PERCENTS, lineage_by_number, lineage_of, relation_lineages, split_cents
from sandbox.universe import TODAY, Universe, build_universe
from tests.sandbox.clients import trade_get

Json = dict[str, Any]
LINEAGE = "/open/v1/receivables/lineage"


def _cents(text: str) -> int:
    return round(Decimal(text) * 100)


def _walk(base: str, code: str, page_size: int = 100) -> list[Json]:
    items: list[Json] = []
    page = 1
    while True:
        body = trade_get(base, LINEAGE, {"company": code, "page": str(page), "page_size": str(page_size)})
        assert body.status_code == 200, body.text
        if not body.json()["receivables"]:
            assert page == body.json()["total_pages"] + 1
            return items
        items.extend(body.json()["receivables"])
        page += 1


@pytest.fixture(scope="module")
def universe() -> Universe:
    return build_universe()


@pytest.fixture(scope="module")
def every_item(universe: Universe) -> dict[str, Json]:
    """Every receivable of the default universe with its children, by number."""
    return {
        str(lineage.item["receivable_no"]): dict(lineage.item)
        for relation in universe.relations
        for lineage in relation_lineages(universe, relation.index)
    }


def _sells_to(universe: Universe, seller: str, buyer: str) -> bool:
    return any(
        order["seller_code"] == seller and order["status"] != "cancelled"
        for order in orders_of(universe, buyer, "buyer")
    )


# the split itself -----------------------------------------------------------------------------------------
@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=3), max_size=4),
)
def test_split_sequences_keep_the_amount(amount: int, sequence: list[list[int]]) -> None:
    """Splitting, then splitting a child again and again, never loses or makes a fen."""
    held = amount
    for percents in sequence:
        if sum(percents) >= 100:
            with pytest.raises(ValueError, match="less than 100"):
                split_cents(held, percents)
            continue
        split = split_cents(held, percents)
        assert sum(split.children_cents) + split.retained_cents == held
        assert min(split.children_cents) >= 0 and split.retained_cents >= 0
        assert split.retained_cents > 0 or held == 0
        assert all(child <= held * percent // 100 for child, percent in zip(split.children_cents, percents))
        held = max(split.children_cents)


def test_split_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="negative"):
        split_cents(-1, [10])
    with pytest.raises(ValueError, match="positive"):
        split_cents(100, [0, 20])
    assert split_cents(40_000_000, [30, 20]) == lifecycle.Split((12_000_000, 8_000_000), 20_000_000)


# every receivable of the default universe -----------------------------------------------------------------
def test_every_split_keeps_the_invariant(universe: Universe, every_item: dict[str, Json]) -> None:
    depths: Counter[int] = Counter()
    for number, item in every_item.items():
        children = [every_item[child["receivable_no"]] for child in item["children"]]
        assert _cents(item["retained_yuan"]) + sum(_cents(c["amount_yuan"]) for c in children) == _cents(
            item["amount_yuan"]
        )
        assert _cents(item["retained_yuan"]) > 0
        for ordinal, (child, listed) in enumerate(zip(children, item["children"], strict=True)):
            assert child["receivable_no"] == f"{number}-{ordinal + 1}" and child["parent_no"] == number
            assert (child["holder"], child["amount_yuan"]) == (listed["holder"], listed["amount_yuan"])
            assert (child["debtor"], child["due_date"]) == (item["debtor"], item["due_date"])
            assert child["creditor"] == child["holder"] and child["status"] == item["status"]
            assert _sells_to(universe, child["holder"], item["holder"])
            share = Decimal(child["amount_yuan"]) / Decimal(item["amount_yuan"]) * 100
            assert any(abs(share - percent) < 1 for percent in SPLIT_PERCENTS)
        if item["parent_no"] is None:
            assert item["holder"] == item["creditor"]
        else:
            assert every_item[item["parent_no"]]["children"]
        depths[number.count("-")] += 1
        stamps = [event["at"] for event in item["events"]]
        assert stamps == sorted(stamps) and all(stamp < f"{TODAY}T00:00:01Z" for stamp in stamps)
    assert depths[1] > 50 and depths[2] > 0 and set(depths) == {0, 1, 2}


def test_lifecycle_agrees_with_the_list(universe: Universe, every_item: dict[str, Json]) -> None:
    statuses: Counter[str] = Counter()
    split = eligible = 0
    for relation in universe.relations:
        if relation.withheld:
            continue
        flows = relation_flows(universe, relation.index)
        paired = {number for pair in flows.reissued for number in pair}
        for listed in flows.receivables:
            item = every_item[str(listed["receivable_no"])]
            events = {event["type"]: event for event in item["events"]}
            assert (item["creditor"], item["debtor"], item["parent_no"]) == (
                listed["creditor_code"],
                listed["debtor_code"],
                None,
            )
            assert item["amount_yuan"] == listed["amount"]
            assert (item["issued_date"], item["due_date"]) == (listed["issued_date"], listed["due_date"])
            assert events["uploaded"]["at"][:10] == listed["issued_date"]
            assert events["uploaded"]["actor"] == listed["creditor_code"]
            if listed["confirmed"]:
                assert events["confirmed"]["at"][:10] == listed["confirmed_at"]
                assert events["confirmed"]["actor"] == listed["debtor_code"] and "rejected" not in events
            else:
                assert "confirmed" not in events and not item["children"]
            if listed["settled"]:
                assert item["status"] == "settled" and events["settled"]["actor"] == listed["debtor_code"]
            elif listed["confirmed"]:
                overdue = str(listed["due_date"]) < TODAY.isoformat()
                assert item["status"] == ("overdue" if overdue else "confirmed")
                assert ("overdue" in events) == overdue and (
                    not overdue or events["overdue"]["actor"] is None
                )
            else:
                assert item["status"] in ("uploaded", "rejected") and ("rejected" in events) == (
                    item["status"] == "rejected"
                )
            if item["children"]:
                assert listed["receivable_no"] not in paired
                kinds = [event["type"] for event in item["events"] if event["child_no"]]
                assert kinds == ["split", "transferred"] * len(item["children"])
            if item["status"] in ("confirmed", "overdue") and lifecycle.may_split(
                universe, relation.seller.credit_code
            ):
                eligible += 1
                split += bool(item["children"])
            statuses[item["status"]] += 1
    assert set(statuses) == {"uploaded", "confirmed", "rejected", "settled", "overdue"}
    unconfirmed = statuses["uploaded"] + statuses["rejected"]
    assert 0.25 < statuses["rejected"] / unconfirmed < 0.42
    assert 0.08 < split / eligible < 0.16


def test_duplicate_pairs_are_never_split(universe: Universe, every_item: dict[str, Json]) -> None:
    pairs = [pair for index in universe.plan.duplicates for pair in relation_flows(universe, index).reissued]
    assert pairs
    for original, copy in pairs:
        assert not every_item[original]["children"] and every_item[copy]["status"] in ("uploaded", "rejected")


# the fixture ----------------------------------------------------------------------------------------------
def test_voucher_splitter(sandbox: SandboxControl, universe: Universe) -> None:
    base, code = sandbox.urls["trade"], sandbox.fixture_codes()["voucher-splitter"]
    assert code == fixture_code(universe, "voucher-splitter")
    items = _walk(base, code)
    own = [item for item in items if item["creditor"] == code and item["parent_no"] is None]
    cores = {item["debtor"] for item in own}
    assert len(own) == 2 and len(cores) == 1 and universe.by_code[cores.pop()].is_core
    split, whole = sorted(own, key=lambda item: len(item["children"]), reverse=True)
    for item in own:
        due = date.fromisoformat(item["due_date"])
        assert item["status"] == "confirmed"
        assert timedelta(days=60) <= due - TODAY <= timedelta(days=150)
        assert due - date.fromisoformat(item["issued_date"]) <= timedelta(days=183)
    assert whole["children"] == [] and whole["retained_yuan"] == whole["amount_yuan"]
    amount = Decimal(split["amount_yuan"])
    assert [Decimal(child["amount_yuan"]) / amount for child in split["children"]] == [
        Decimal("0.3"),
        Decimal("0.2"),
    ]
    assert Decimal(split["retained_yuan"]) / amount == Decimal("0.5")
    sellers = {order["seller_code"] for order in orders_of(universe, code, "buyer")}
    holders = [child["holder"] for child in split["children"]]
    assert len(sellers) >= 2 and len(set(holders)) == 2 and set(holders) <= sellers
    transfers = [event for event in split["events"] if event["type"] == "transferred"]
    assert [(event["actor"], event["counterparty"]) for event in transfers] == [(code, h) for h in holders]
    for child in split["children"]:
        held = trade_get(base, f"/open/v1/receivables/{child['receivable_no']}", {}).json()
        assert (held["holder"], held["debtor"], held["due_date"]) == (
            child["holder"],
            split["debtor"],
            split["due_date"],
        )
        assert held["parent_no"] == split["receivable_no"] and held["children"] == []
        assert held in _walk(base, child["holder"])  # the new holder sees it, and its parent
        assert any(item["receivable_no"] == split["receivable_no"] for item in _walk(base, child["holder"]))


# the endpoints --------------------------------------------------------------------------------------------
def test_lineage_pages_and_order(sandbox: SandboxControl, universe: Universe) -> None:
    base, code = sandbox.urls["trade"], sandbox.credit_codes(limit=1, core=True)[0]
    everything = _walk(base, code)
    assert everything == _walk(base, code, page_size=7)
    numbers = [item["receivable_no"] for item in everything]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)
    listed = {item["receivable_no"] for item in receivables_of(universe, code)}
    assert listed == {item["receivable_no"] for item in everything if item["parent_no"] is None}
    assert all(code in (item["creditor"], item["debtor"], item["holder"]) for item in everything)
    first = trade_get(base, LINEAGE, {"company": code}).json()
    assert (first["page"], first["page_size"], len(first["receivables"])) == (1, 50, 50)
    assert first["total_pages"] == (len(everything) + 49) // 50


def test_a_holder_sees_what_it_holds(sandbox: SandboxControl, every_item: dict[str, Json]) -> None:
    grandchild = next(item for number, item in sorted(every_item.items()) if number.count("-") == 2)
    child = every_item[grandchild["parent_no"]]
    root = every_item[child["parent_no"]]
    seen = {item["receivable_no"]: item for item in _walk(sandbox.urls["trade"], grandchild["holder"])}
    assert {root["receivable_no"], child["receivable_no"], grandchild["receivable_no"]} <= set(seen)
    assert seen[root["receivable_no"]] == root


def test_one_receivable_and_errors(sandbox: SandboxControl, universe: Universe) -> None:
    base, code = sandbox.urls["trade"], sandbox.credit_codes(limit=1, core=True)[0]
    item = lineage_of(universe, code)[0]
    answer = trade_get(base, f"/open/v1/receivables/{item['receivable_no']}", {})
    assert answer.status_code == 200 and answer.json() == item
    for number in ("AR2026090199999001", "AR2026090100000999", "nonsense", "AR2026090100000001-9"):
        missing = trade_get(base, f"/open/v1/receivables/{number}", {})
        assert (missing.status_code, missing.json()["error"]) == (404, "not_found"), number
    unknown = "91110000100000000" + check_character("91110000100000000")  # valid, Beijing: not ours
    for path in (LINEAGE, "/open/v1/receivables"):
        answer = trade_get(base, path, {"company": unknown})
        assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    assert trade_get(base, LINEAGE, {"company": code}, secret="wrong").json()["error"] == "bad_sign"
    one = f"/open/v1/receivables/{item['receivable_no']}"
    assert trade_get(base, one, {}, app_key="x").json()["error"] == "unknown_app_key"
    assert trade_get(base, LINEAGE, {"company": code, "page_size": "101"}).json()["error"] == "bad_page_size"


def test_same_seed_same_lifecycle(sandbox: SandboxControl, universe: Universe) -> None:
    fresh = build_universe.__wrapped__()  # a new universe object: nothing cached for it
    codes = [*sandbox.credit_codes(limit=3, core=True), fixture_code(universe, "voucher-splitter")]
    for code in codes:
        assert _walk(sandbox.urls["trade"], code) == list(lineage_of(fresh, code))
    number = str(lineage_of(universe, codes[0])[0]["receivable_no"])
    assert lineage_by_number(fresh, number) == lineage_by_number(universe, number)

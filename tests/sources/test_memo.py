"""The decoded-record memo: LRU bounded by JSON size, one content per enterprise and source."""

from __future__ import annotations

from connectors.records import TaxGrade, TaxRecord
from hub.sources.memo import RecordMemo

CODE = "9133040285WK93385D"


def tax(grade: TaxGrade) -> TaxRecord:
    return TaxRecord(
        credit_code=CODE,
        taxpayer_name="嘉兴瑞明塑料制品有限公司",
        grade=grade,
        grade_year=2025,
        overdue_filings=0,
        years=(),
        months=(),
    )


def test_least_recently_used_goes_first_when_over_the_bound() -> None:
    memo = RecordMemo(max_json_chars=250)
    memo.put(("tax", "a", "h1"), tax("A"), 100)
    memo.put(("tax", "b", "h2"), tax("B"), 100)
    assert memo.get(("tax", "a", "h1")) is not None  # now the most recently used
    memo.put(("tax", "c", "h3"), tax("C"), 100)
    assert memo.get(("tax", "b", "h2")) is None
    assert memo.get(("tax", "a", "h1")) is not None and memo.get(("tax", "c", "h3")) is not None
    assert memo.json_chars == 200


def test_new_content_replaces_the_enterprise_older_one() -> None:
    memo = RecordMemo()
    memo.put(("tax", CODE, "old"), tax("A"), 10)
    memo.put(("tax", CODE, "new"), tax("B"), 12)
    assert memo.get(("tax", CODE, "old")) is None
    assert memo.get(("tax", CODE, "new")) == tax("B")
    assert (len(memo), memo.json_chars) == (1, 12)


def test_a_record_larger_than_the_bound_is_not_kept() -> None:
    memo = RecordMemo(max_json_chars=50)
    memo.put(("tax", CODE, "h"), tax("A"), 51)
    assert len(memo) == 0 and memo.get(("tax", CODE, "h")) is None


def test_many_distinct_enterprises_and_contents_stay_within_the_bound() -> None:
    """A long run of distinct keys (enterprises, and new content for the same ones) never holds more than
    the bound, and the latest-key index forgets what the LRU evicted (it would otherwise grow forever)."""
    memo = RecordMemo(max_json_chars=1_000)
    for step in range(5_000):
        code = f"code-{step % 700}"  # enterprises come back with new content after some have been evicted
        memo.put(("tax", code, f"hash-{step}"), tax("A"), 30 + step % 17)
        assert memo.json_chars <= 1_000
    assert len(memo) <= 1_000 // 30
    assert len(memo._current) == len(memo)  # one latest key per enterprise held, none for evicted ones

"""Shards of a bulk refresh (stable, disjoint, covering) and the progress lines of a sync worker."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from hub.sources.sync import ProgressLine, Shard, SyncSummary

CODES = [f"91330100{number:09d}X" for number in range(2000)]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_code_is_in_exactly_one_shard(count: int) -> None:
    shards = [Shard(index, count) for index in range(1, count + 1)]
    for code in CODES:
        assert sum(shard.holds(code) for shard in shards) == 1, code
    sizes = [sum(shard.holds(code) for code in CODES) for shard in shards]
    assert min(sizes) > len(CODES) / count * 0.8  # a hash spreads the codes, not a range of them


def test_shard_is_the_sha256_of_the_code() -> None:
    # A stable hash, the same in every process (Python's hash() of a str is salted per process).
    code = "91330100000000042X"
    expected = int.from_bytes(hashlib.sha256(code.encode()).digest()[:8], "big") % 4 + 1
    assert [index for index in range(1, 5) if Shard(index, 4).holds(code)] == [expected] == [1]
    assert Shard(1, 4).holds(" 91330100000000042x\n")  # normalised like a credit code


def test_parse() -> None:
    assert Shard.parse("2/4") == Shard(2, 4)
    assert str(Shard.parse(" 3 / 5 ")) == "3/5"


@pytest.mark.parametrize(
    ("text", "message"),
    [("0/2", "1 <= K <= N"), ("3/2", "1 <= K <= N"), ("2", "expected K/N"), ("a/b", "expected K/N")],
)
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Shard.parse(text)


def test_progress_lines_round_trip_and_summaries_add_up() -> None:
    line = ProgressLine.model_validate_json(ProgressLine.refreshed("tax", "fetched").model_dump_json())
    assert (line.source, line.outcome, line.sync_summary()) == ("tax", "fetched", None)

    first = SyncSummary({"tax": Counter({"fetched": 2, "failed": 1})})
    final = ProgressLine.model_validate_json(ProgressLine.final(first).model_dump_json(exclude_none=True))
    total = SyncSummary({"tax": Counter({"unchanged": 4}), "registry": Counter({"fetched": 1})})
    summary = final.sync_summary()
    assert summary is not None
    total.add(summary)
    assert [total.count("tax", outcome) for outcome in ("fetched", "unchanged", "failed")] == [2, 4, 1]
    assert (total.count("registry", "fetched"), total.failed) == (1, 1)

"""GroupCommit: concurrent submissions share a commit, each waits for its own, errors reach every writer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from audit.group_commit import GroupCommit


class Ledger:
    """A commit function that records its groups; ``fail_with`` makes the next commit raise."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.fail_with: Exception | None = None
        self.release = asyncio.Event()
        self.release.set()

    async def commit(self, items: Sequence[int]) -> None:
        await self.release.wait()
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        self.groups.append(list(items))


async def test_a_burst_is_one_group_in_arrival_order() -> None:
    ledger = Ledger()
    group_commit = GroupCommit(ledger.commit)
    await asyncio.gather(*[group_commit.submit([n, n + 100]) for n in range(10)])
    assert ledger.groups == [[item for n in range(10) for item in (n, n + 100)]]
    assert group_commit.groups_committed == 1


async def test_what_arrives_during_a_commit_forms_the_next_group() -> None:
    ledger = Ledger()
    ledger.release.clear()
    group_commit = GroupCommit(ledger.commit)
    first = asyncio.create_task(group_commit.submit([1]))
    await asyncio.sleep(0.01)  # the first group's commit is now running, held by the ledger
    later = [asyncio.create_task(group_commit.submit([n])) for n in (2, 3, 4)]
    await asyncio.sleep(0.01)
    assert not first.done()  # nobody returns before their commit
    ledger.release.set()
    await asyncio.gather(first, *later)
    assert ledger.groups == [[1], [2, 3, 4]]


async def test_an_error_reaches_every_writer_of_the_group_only() -> None:
    ledger = Ledger()
    ledger.fail_with = RuntimeError("disk full")
    group_commit = GroupCommit(ledger.commit)
    outcomes = await asyncio.gather(*[group_commit.submit([n]) for n in range(3)], return_exceptions=True)
    assert [str(outcome) for outcome in outcomes] == ["disk full"] * 3
    await group_commit.submit([9])
    assert ledger.groups == [[9]]


async def test_a_cancelled_writer_still_has_its_items_written() -> None:
    ledger = Ledger()
    ledger.release.clear()
    group_commit = GroupCommit(ledger.commit)
    impatient = asyncio.create_task(group_commit.submit([1]))
    await asyncio.sleep(0.01)
    impatient.cancel()
    ledger.release.set()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    await group_commit.aclose()
    assert ledger.groups == [[1]]

"""Decoded records kept in process, so a cache hit on content already decoded skips JSON → pydantic.

Keyed by (source, credit code, content hash): a hit is the very content the cache entry names, so it can
never serve other data than decoding would. Bounded by the total length of the records' JSON text (a
proxy for their memory), least recently used first out. Records are frozen: sharing them is safe.
"""

from __future__ import annotations

from collections import OrderedDict

from connectors.records import Record

MemoKey = tuple[str, str, str]  # source, credit code, content hash
DEFAULT_MAX_JSON_CHARS = 8 * 1024 * 1024
"""The memo's bound, the largest of the hub's in-process caches. Decoded records take about 10 bytes per
character of their JSON text (pydantic models, their strings, decimals and dates): a full memo holds about
75 MiB (tracemalloc over 1,000 sandbox records, Nov 2026), and stays there however long the hub runs."""


class RecordMemo:
    """LRU of decoded records, at most ``max_json_chars`` of JSON text in all."""

    def __init__(self, max_json_chars: int = DEFAULT_MAX_JSON_CHARS) -> None:
        self._max = max_json_chars
        self._records: OrderedDict[MemoKey, tuple[Record, int]] = OrderedDict()
        self._size = 0
        self._current: dict[tuple[str, str], MemoKey] = {}  # (source, credit code) → its latest key

    def get(self, key: MemoKey) -> Record | None:
        entry = self._records.get(key)
        if entry is None:
            return None
        self._records.move_to_end(key)
        return entry[0]

    def put(self, key: MemoKey, record: Record, json_chars: int) -> None:
        """Remember ``record``; one larger than the whole bound is not kept."""
        if json_chars > self._max:
            return
        current = self._current.get(key[:2])
        if current is not None and current in self._records:
            self._size -= self._records.pop(current)[1]  # the same enterprise's older content (or this)
        self._current[key[:2]] = key
        self._records[key] = (record, json_chars)
        self._size += json_chars
        while self._size > self._max:
            evicted, (_, chars) = self._records.popitem(last=False)
            self._size -= chars
            if self._current.get(evicted[:2]) == evicted:
                del self._current[evicted[:2]]

    def __len__(self) -> int:
        return len(self._records)

    @property
    def json_chars(self) -> int:
        return self._size

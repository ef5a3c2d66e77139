"""``/webhooks/events.json`` is made from hub.events.EVENT_TYPES: every type there, with its description, its
data fields and an example body that names them."""

from __future__ import annotations

from hub.events import EVENT_TYPES
from tests.fixtures.hub import Hub


async def test_every_event_type_is_in_the_catalogue(hub: Hub) -> None:
    answer = await hub.http.get("/webhooks/events.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    catalogue = answer.json()
    listed = {entry["name"]: entry for entry in catalogue["events"]}
    assert list(listed) == list(EVENT_TYPES)
    for name, kind in EVENT_TYPES.items():
        entry = listed[name]
        assert entry["description"] == kind.description
        assert entry["data"] == dict(kind.data)
        assert entry["sourceBound"] is kind.source_bound
        example = entry["example"]
        assert set(example) == {"type", "timestamp", "data"} and example["type"] == name
        expected = {"creditCode", *kind.data, *(["source"] if kind.source_bound else [])}
        assert set(example["data"]) == expected
    assert catalogue["signature"]["headers"] == ["webhook-id", "webhook-timestamp", "webhook-signature"]

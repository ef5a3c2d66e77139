"""Deliveries on the Redis stream broker: the hub kicks, a receiver (what ``hub worker`` runs) delivers."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from auth.clients import register_client
from auth.principal import ALL_SCOPES, Principal
from foundation.credit_code import generate
from hub.events import Event
from hub.jobs.queue import runs_in_process
from hub.services import HubServices
from tests.fixtures.backends import REDIS_URL, Backend, require_service
from tests.fixtures.jobs import receiving
from tests.webhooks.helpers import fresh_path
from tests.webhooks.receiver import Receiver

FIRM = generate("330100", random.Random(61))


async def test_the_redis_broker_delivers_with_retries(
    backend: Backend, key_file: Path, webhook_key_file: Path, engine: object, receiver: Receiver
) -> None:
    require_service(REDIS_URL, 6379, "Redis")
    settings = backend.settings(
        jobs_url=REDIS_URL,
        cache_namespace=f"test-{uuid.uuid4().hex[:8]}",
        signing_key_file=key_file,
        webhook_secret_key_file=webhook_key_file,
        webhook_retry_delays_s=(0.2,),
        webhook_retry_window_s=1.0,
    )
    services = await HubServices.start(settings)
    assert not runs_in_process(services.jobs.broker)
    try:
        async with receiving(services.jobs.broker, settings):
            client = await register_client(sessions=services.sessions, tenant_id="bank-a", scopes=ALL_SCOPES)
            principal = Principal("bank-a", client.client_id, ALL_SCOPES, token_id="t")
            path = fresh_path()
            receiver.script(path, 503)
            created = await services.webhooks.book.create(
                principal, url=receiver.url(path), events=["alert.created"], credit_codes=None
            )
            event = Event(
                "alert.created", FIRM, {"alertId": "a", "rule": "r", "severity": "LOW"}, tenant_id="bank-a"
            )
            await services.events.emit([event])
            arrivals = await receiver.wait_for(path, 2)
            assert len({arrival.webhook_id for arrival in arrivals}) == 1
            [body, _] = receiver.verify(path, created.secret)
            assert body["data"]["creditCode"] == FIRM
    finally:
        await services.close()

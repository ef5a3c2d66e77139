"""``assessment.changed``: a tenant's decision on a firm under one of its products differs from its previous
one, whether a person assessed again or monitoring re-assessed a watched firm after its records changed."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC
from typing import Any

from sqlalchemy import select

from foundation.storage.models import Assessment
from hub.connections.refresh import refresh_firm
from hub.events import Event
from hub.products.announcing import announce_decisions
from hub.products.service import MONITOR
from hub.products.templates import templates
from sandbox.fixtures import fixture_code
from sandbox.universe import build_universe
from tests.fixtures.events import Recorder
from tests.schema.conftest import TENANT, Graph

PUBLISH = "mutation ($input: PublishProductInput!) { publishProduct(input: $input) { version } }"
ASSESS = 'mutation ($code: ID!) { assess(creditCode: $code, product: "tax-loan") { decision } }'
WATCH = "mutation ($codes: [ID!]!) { watch(creditCodes: $codes) { creditCode } }"


async def publish(graph: Graph, **parameters: Any) -> int:
    template = templates()["tax-loan"]
    document = copy.deepcopy(template.document)
    document["parameters"].update(parameters)
    definition = {"key": template.key, "name": template.name, "kind": template.kind, "document": document}
    version: int = (await graph.data(PUBLISH, {"input": definition}))["publishProduct"]["version"]
    return version


async def decide(graph: Graph, code: str) -> str:
    decision: str = (await graph.data(ASSESS, {"code": code}))["assess"]["decision"]
    return decision


async def until_changed(recorder: Recorder) -> None:
    async with asyncio.timeout(20):
        while not recorder.of("assessment.changed"):
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # any other announcement the jobs would make has landed too


async def test_a_changed_decision_is_announced_and_an_unchanged_one_is_not(graph: Graph) -> None:
    code = fixture_code(build_universe(), "tax-eligible")
    await graph.consent([code])
    recorder = Recorder()
    graph.services.events.subscribe(recorder)
    await publish(graph)
    assert await decide(graph, code) == "ELIGIBLE"  # the first assessment: nothing to compare with
    assert await decide(graph, code) == "ELIGIBLE"

    stricter = await publish(graph, minTaxPaid12mYuan=10**12)
    assert await decide(graph, code) == "INELIGIBLE"

    await until_changed(recorder)  # told by a job, after the answer
    [event] = recorder.of("assessment.changed")  # the unchanged second decision told nothing
    assert (event.tenant_id, event.credit_code, event.source) == (TENANT, code, None)
    assert event.data == {
        "product": "tax-loan",
        "version": stricter,
        "decision": "INELIGIBLE",
        "previous": "ELIGIBLE",
    }


async def test_monitoring_reassesses_a_watched_firm_when_its_records_change(graph: Graph) -> None:
    code = fixture_code(build_universe(), "tax-eligible")
    unwatched = fixture_code(build_universe(), "tax-large")
    await graph.consent([code, unwatched])
    await publish(graph, minTaxPaid12mYuan=10**12)
    assert await decide(graph, code) == "INELIGIBLE"
    assert await decide(graph, unwatched) == "INELIGIBLE"
    # The hub holds every record of both firms before the firm is watched: a read that first fetched one
    # would tell profile.changed (hub.connections.tracking) and reassess the watched firm on its own.
    for firm in (code, unwatched):
        await refresh_firm(graph.services, firm)
    await graph.services.connections.settle()
    await graph.data(WATCH, {"codes": [code]})
    relaxed = await publish(graph)  # the bank's current product would take the firm now
    recorder = Recorder()
    graph.services.events.subscribe(recorder)

    changed = [
        Event("profile.changed", firm, {"month": "2026-10", "contentHash": "h"}, source="tax")
        for firm in (code, unwatched)
    ]
    await graph.services.events.emit(changed)  # as a refresh that found new records announces them

    await until_changed(recorder)
    [event] = recorder.of("assessment.changed")
    assert event.credit_code == code and event.tenant_id == TENANT
    assert event.data == {
        "product": "tax-loan",
        "version": relaxed,
        "decision": "ELIGIBLE",
        "previous": "INELIGIBLE",
    }
    async with graph.services.sessions() as session:
        rows = (
            await session.execute(
                select(Assessment.credit_code, Assessment.client_id, Assessment.product_version)
            )
        ).all()
    monitored = [(firm, version) for firm, client, version in rows if client == MONITOR]
    assert monitored == [(code, relaxed)]  # the firm off the watchlist was left alone


async def test_a_job_of_the_earlier_shape_still_announces_what_changed(graph: Graph) -> None:
    """``products.announce`` as a hub before 2026-12-02 queued it (every assessment's decisions and time;
    the job compared): one left in the queue at an upgrade tells the change, and nothing when unchanged."""
    code = fixture_code(build_universe(), "tax-eligible")
    await graph.consent([code])
    await publish(graph)
    assert await decide(graph, code) == "ELIGIBLE"
    stricter = await publish(graph, minTaxPaid12mYuan=10**12)
    told = Recorder()
    graph.services.events.subscribe(told)
    assert await decide(graph, code) == "INELIGIBLE"
    await until_changed(told)  # this hub's own job (the current shape) has told it
    async with graph.services.sessions() as session:
        second = (
            await session.execute(
                select(Assessment.evaluated_at).order_by(Assessment.evaluated_at.desc()).limit(1)
            )
        ).scalar_one()
    recorder = Recorder()
    graph.services.events.subscribe(recorder)
    at = second.replace(tzinfo=UTC).isoformat() if second.tzinfo is None else second.isoformat()

    assert (
        await announce_decisions(TENANT, "tax-loan", stricter, at, [[code, "ELIGIBLE"]], graph.services) == 0
    )
    # Through the queue by the name an older hub kicked it under, as it would arrive from Redis.
    assert announce_decisions.task_name == "products.announce"
    await announce_decisions.kiq(TENANT, "tax-loan", stricter, at, [[code, "INELIGIBLE"]])
    await until_changed(recorder)
    [event] = recorder.of("assessment.changed")
    assert event.data == {
        "product": "tax-loan",
        "version": stricter,
        "decision": "INELIGIBLE",
        "previous": "ELIGIBLE",
    }

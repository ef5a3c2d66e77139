"""The process's long-lived services, built once in the app's lifespan and passed down explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from aiocache.base import BaseCache
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from auth.service import AuthService
from foundation.settings import Settings
from foundation.storage import create_engine, create_session_factory
from hub.alerts.service import AlertService
from hub.alerts.store import AlertBook
from hub.cache import build_cache, close_cache
from hub.connections.schedule import Scheduling, build_scheduler, load_jobs
from hub.connections.store import ConnectionBook
from hub.connections.tracking import ConnectionTracker
from hub.events import EventBus
from hub.financing.loans import LoanBook
from hub.financing.registry import FinancingRegistry, standing_asker
from hub.jobs.queue import JobQueue, build_broker, runs_in_process
from hub.personal_data import load_personal_data_hasher
from hub.products.monitoring import Reassessment
from hub.products.service import ProductService
from hub.products.store import AssessmentBook, ProductBook
from hub.profiles.builder import ProfileBuilder
from hub.sources.reader import SourceReader
from hub.turns import LoopTurns
from hub.verification.service import VerificationService
from hub.webhooks.service import WebhookService


@dataclass
class HubServices:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cache: BaseCache
    auth: AuthService
    sources: SourceReader
    turns: LoopTurns
    profiles: ProfileBuilder
    products: ProductService
    verification: VerificationService
    financing: FinancingRegistry
    loans: LoanBook
    events: EventBus
    jobs: JobQueue
    alerts: AlertService
    webhooks: WebhookService
    connections: ConnectionTracker
    scheduling: Scheduling | None = None  # the periodic jobs' scheduler, when it runs in this process

    @classmethod
    async def start(cls, settings: Settings) -> HubServices:
        """The services, their job queue started (and, on the embedded default, the periodic jobs'
        scheduler unless ``settings.in_process_scheduler`` is off)."""
        engine = create_engine(settings)
        sessions = create_session_factory(engine)
        cache = build_cache(settings)
        turns = LoopTurns()
        auth = await AuthService.create(settings, sessions, cache)
        verification = VerificationService(
            sessions, auth.audit, turns, refresh_s=settings.access_refresh_ms / 1000
        )
        sources = SourceReader.create(settings, sessions, cache)
        events = EventBus()
        connections = ConnectionTracker(ConnectionBook(sessions), events)
        sources.on_fetch = connections.tell  # a read's fetch moves the connection state too
        webhooks = await WebhookService.create(settings, sessions, auth.audit, auth.live_consents)
        services = cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            cache=cache,
            auth=auth,
            sources=sources,
            turns=turns,
            profiles=ProfileBuilder(turns),
            products=ProductService(
                products=ProductBook(sessions, auth.audit),
                assessments=AssessmentBook(sessions),
                audit=auth.audit,
                turns=turns,
                name_hash=load_personal_data_hasher(settings).name,
                latest_ttl_s=settings.access_refresh_ms / 1000,
                verification_parameters=verification.overrides,
                events=events,
            ),
            verification=verification,
            financing=FinancingRegistry(engine, auth.audit, standing_asker(sources)),
            loans=LoanBook(sessions, auth.audit),
            events=events,
            jobs=JobQueue(build_broker(settings)),
            alerts=AlertService(
                book=AlertBook(sessions),
                reader=sources,
                consents=auth,
                events=events,
                audit=auth.audit,
                name_hash=load_personal_data_hasher(settings).name,
            ),
            webhooks=webhooks,
            connections=connections,
        )
        services.events.subscribe(webhooks.sink)
        services.events.subscribe(services.alerts)
        services.events.subscribe(Reassessment(services.alerts.book))
        await services.jobs.start(services)
        load_jobs()
        # On the embedded default no `hub worker` schedules the periodic jobs: the hub does.
        if settings.in_process_scheduler and runs_in_process(services.jobs.broker):
            services.scheduling = Scheduling(build_scheduler(services))
            services.scheduling.start()
        return services

    async def close(self) -> None:
        if self.scheduling is not None:
            await self.scheduling.stop()
        await self.connections.aclose()  # its events may still kick jobs
        await self.jobs.stop()  # in process: its running jobs finish while the services still stand
        await self.webhooks.aclose()
        await self.auth.aclose()
        self.products.assessments.close()
        await self.sources.aclose()
        await close_cache(self.cache)
        await self.engine.dispose()

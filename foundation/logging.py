"""Structured (JSON) logging through structlog; secrets and personal data never go into events.

Nor into exception traces: structlog's tracebacks show every frame's local variables by default (the
settings, credentials, upstream payloads), so both renderers here format exceptions without them.
"""

from __future__ import annotations

import logging

import structlog
from structlog.dev import RichTracebackFormatter
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    logging.basicConfig(level=level, format="%(message)s")
    renderers: list[structlog.types.Processor] = (
        [
            # ``exception`` as frames (file, line, function), without their locals.
            ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ]
        if json
        else [structlog.dev.ConsoleRenderer(exception_formatter=RichTracebackFormatter(show_locals=False))]
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *renderers,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger

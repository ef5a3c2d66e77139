"""Prometheus metrics of the hub, served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter("hub_http_requests_total", "HTTP requests served", ["path", "status"])
HTTP_LATENCY = Histogram("hub_http_request_seconds", "HTTP request latency", ["path"])


async def metrics(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

"""Prometheus metrics of the hub, served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

HTTP_REQUESTS = Counter("hub_http_requests_total", "HTTP requests served", ["path", "status"])
HTTP_LATENCY = Histogram("hub_http_request_seconds", "HTTP request latency", ["path"])
ASSESSMENT_SECONDS = Histogram(
    "hub_assessment_evaluation_seconds",
    "Evaluating a product on one firm's records: data checks, facts and rules (no I/O)",
    buckets=(0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05),
)
ASSESSMENTS = Counter("hub_assessments_total", "Assessments stored, by decision", ["decision"])


async def metrics(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

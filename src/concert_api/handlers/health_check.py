"""`GET /health` — function `concert-api-health-check`."""

from __future__ import annotations

from pydantic import BaseModel

from concert_api import composition
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.services import health_check
from concert_api.settings import get_settings


@api_endpoint(name="health-check", method="GET", path="/health", event="Health check handler invoked")
def health_check_handler(request: ApiRequest) -> tuple[int, BaseModel]:
    """Report configuration; with `?deep=true`, probe each configured backend. 503 when unhealthy or when a
    local part (warehouse file, model) is missing."""
    settings = get_settings()
    deep = request.query.get("deep", "").lower() in {"1", "true", "yes"}
    probes = composition.probes(settings) if deep else None
    report = health_check.check(settings, composition.backends(settings), probes)
    return health_check.status_code(report), report

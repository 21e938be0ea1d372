"""What `/health` reports about the wiring: the backend in use for each role, and one probe per configured
backend for `?deep=true`."""

from __future__ import annotations

from collections.abc import Callable

from concert_api.composition.assistants import backend_name
from concert_api.composition.predictors import predictor_backend
from concert_api.settings import Settings

Probe = Callable[[], None]


def backends(settings: Settings) -> dict[str, str]:
    """The adapters in use, by role."""
    return {
        "warehouse": settings.warehouse_backend,
        "predictor": predictor_backend(settings),
        "assistant": backend_name(settings),
    }


def probes(settings: Settings, *, warehouse_ping: Probe, predictor_ping: Probe,
           forecasts_check: Probe | None = None) -> dict[str, Probe]:  # fmt: skip
    """One probe per configured backend; each raises when its backend fails. An untrained local model is not
    probed (it is reported as `not_configured`). `forecasts_check` (the batch-scored venue forecasts are as new
    as the model and the data) runs as `venue_forecasts`."""
    from concert_api.adapters import probes as aws

    checks: dict[str, Probe] = {"warehouse": warehouse_ping}
    if forecasts_check is not None:
        checks["venue_forecasts"] = forecasts_check
    if predictor_backend(settings) != "not_configured":
        checks["predictor"] = predictor_ping
    region = settings.aws_region
    if settings.sagemaker_ticket_endpoint:
        checks["sagemaker_ticket"] = aws.sagemaker_endpoint(settings.sagemaker_ticket_endpoint, region)
    if settings.sagemaker_venue_endpoint:
        checks["sagemaker_venue"] = aws.sagemaker_endpoint(settings.sagemaker_venue_endpoint, region)
    if settings.bedrock_agent_id and settings.bedrock_agent_alias_id:  # bedrock_agent_configured, for mypy
        checks["bedrock_agent"] = aws.bedrock_agent_alias(
            settings.bedrock_agent_id, settings.bedrock_agent_alias_id, region
        )
    return checks

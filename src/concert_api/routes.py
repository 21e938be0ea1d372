"""The five endpoints: path, method, handler and Lambda function, listed once.

The local server, the CLI's `invoke`, the validation script, the OpenAPI document and the deployers all read
this table, so a route exists in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class Route:
    key: str  # short name, also the deployer's and the CLI's handler name
    method: str
    path: str
    handler: str  # attribute of the top-level `api_lambda_handlers` module
    module: str  # where the handler lives in the package
    function_name: str
    summary: str
    request_model: str | None
    response_model: str
    memory_mb: int
    timeout_s: int


ROUTES: tuple[Route, ...] = (
    Route(
        key="chatbot",
        method="POST",
        path="/chat",
        handler="chatbot_handler",
        module="concert_api.handlers.chatbot",
        function_name="concert-api-chatbot",
        summary="Ask the concert assistant a question",
        request_model="ChatRequest",
        response_model="ChatResponse",
        memory_mb=512,
        timeout_s=30,
    ),
    Route(
        key="venue-popularity",
        method="POST",
        path="/venues/popularity",
        handler="venue_popularity_handler",
        module="concert_api.handlers.venue_popularity",
        function_name="concert-api-venue-popularity",
        summary="Rank venues by popularity",
        request_model="VenuePopularityRequest",
        response_model="VenuePopularityResponse",
        memory_mb=512,
        timeout_s=60,
    ),
    Route(
        key="ticket-prediction",
        method="POST",
        path="/tickets/predict",
        handler="ticket_prediction_handler",
        module="concert_api.handlers.ticket_prediction",
        function_name="concert-api-ticket-prediction",
        summary="Predict ticket sales for a concert",
        request_model="TicketPredictionRequest",
        response_model="TicketPredictionResponse",
        memory_mb=512,
        timeout_s=30,
    ),
    Route(
        key="price-curve",
        method="POST",
        path="/tickets/price-curve",
        handler="price_curve_handler",
        module="concert_api.handlers.price_curve",
        function_name="concert-api-price-curve",
        summary="Predicted sales and revenue across ticket prices, and the revenue-maximising price",
        request_model="PriceCurveRequest",
        response_model="PriceCurveResponse",
        memory_mb=512,
        timeout_s=30,
    ),
    Route(
        key="recommendations",
        method="POST",
        path="/recommendations",
        handler="recommendations_handler",
        module="concert_api.handlers.recommendations",
        function_name="concert-api-recommendations",
        summary="Recommend upcoming concerts",
        request_model="RecommendationsRequest",
        response_model="RecommendationsResponse",
        memory_mb=512,
        timeout_s=60,
    ),
    Route(
        key="health-check",
        method="GET",
        path="/health",
        handler="health_check_handler",
        module="concert_api.handlers.health_check",
        function_name="concert-api-health-check",
        summary="Health of the API and the services behind it",
        request_model=None,
        response_model="HealthResponse",
        memory_mb=256,
        timeout_s=10,
    ),
)


# Lambda handlers that are not HTTP routes, by attribute name of `api_lambda_handlers` -> module. The shim resolves
# these too, but nothing that serves or documents the API (server, CLI, OpenAPI) sees them.
EXTRA_HANDLERS: dict[str, str] = {
    # Bedrock Agent action groups (deployed only on request: `--with-agent-actions`).
    "agent_action_group_handler": "concert_api.handlers.agent_action_group",
}


def load_handler(r: Route) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The route's Lambda handler function, imported on demand."""
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = getattr(importlib.import_module(r.module), r.handler)
    return handler


def load_extra_handler(name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A non-route Lambda handler of `EXTRA_HANDLERS`, imported on demand."""
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = getattr(
        importlib.import_module(EXTRA_HANDLERS[name]), name
    )
    return handler


def route(key_or_path: str) -> Route:
    """The route with this key (`venue-popularity`), handler name (`venue_popularity_handler`) or path."""
    for r in ROUTES:
        if key_or_path in (r.key, r.handler, r.path, r.handler.removesuffix("_handler")):
            return r
    names = ", ".join(r.key for r in ROUTES)
    raise KeyError(f"unknown handler {key_or_path!r}; choose one of: {names}")

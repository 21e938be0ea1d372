"""The five endpoints: path, method, handler and Lambda function, listed once.

The local server, the CLI's `invoke`, the validation script, the OpenAPI document and the deployers all read
this table, so a route exists in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
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
        "chatbot",
        "POST",
        "/chat",
        "chatbot_handler",
        "concert_api.handlers.chat",
        "concert-api-chatbot",
        "Ask the concert assistant a question",
        "ChatRequest",
        "ChatResponse",
        512,
        30,
    ),
    Route(
        "venue-popularity",
        "POST",
        "/venues/popularity",
        "venue_popularity_handler",
        "concert_api.handlers.venues",
        "concert-api-venue-popularity",
        "Rank venues by popularity",
        "VenuePopularityRequest",
        "VenuePopularityResponse",
        512,
        60,
    ),
    Route(
        "ticket-prediction",
        "POST",
        "/tickets/predict",
        "ticket_prediction_handler",
        "concert_api.handlers.predictions",
        "concert-api-ticket-prediction",
        "Predict ticket sales for a concert",
        "TicketPredictionRequest",
        "TicketPredictionResponse",
        512,
        30,
    ),
    Route(
        "price-curve",
        "POST",
        "/tickets/price-curve",
        "price_curve_handler",
        "concert_api.handlers.pricing",
        "concert-api-price-curve",
        "Predicted sales and revenue across ticket prices, and the revenue-maximising price",
        "PriceCurveRequest",
        "PriceCurveResponse",
        512,
        30,
    ),
    Route(
        "recommendations",
        "POST",
        "/recommendations",
        "recommendations_handler",
        "concert_api.handlers.recommendations",
        "concert-api-recommendations",
        "Recommend upcoming concerts",
        "RecommendationsRequest",
        "RecommendationsResponse",
        512,
        60,
    ),
    Route(
        "health-check",
        "GET",
        "/health",
        "health_check_handler",
        "concert_api.handlers.health",
        "concert-api-health-check",
        "Health of the API and the services behind it",
        None,
        "HealthResponse",
        256,
        10,
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

"""The guide's handler module: `api_lambda_handlers.<name>_handler` for each of the five Lambda functions.

The code lives in `concert_api.handlers`; this shim sits at the root of the deployment package so the guide's
handler strings work unchanged. Each handler is imported on first access (PEP 562), so a function imports only
its own handler module and its cold start stays small.
"""

from __future__ import annotations

import importlib
from typing import Any

_HANDLERS = {
    "chatbot_handler": "concert_api.handlers.chat",
    "venue_popularity_handler": "concert_api.handlers.venues",
    "ticket_prediction_handler": "concert_api.handlers.predictions",
    "recommendations_handler": "concert_api.handlers.recommendations",
    "health_check_handler": "concert_api.handlers.health",
}

__all__ = list(_HANDLERS)


def __getattr__(name: str) -> Any:
    module = _HANDLERS.get(name)
    if module is None:
        raise AttributeError(f"module 'api_lambda_handlers' has no attribute {name!r}")
    handler = getattr(importlib.import_module(module), name)
    globals()[name] = handler
    return handler

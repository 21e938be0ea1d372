"""The guide's handler module: `api_lambda_handlers.<name>_handler` for each of the five Lambda functions, plus
`agent_action_group_handler` for the optional Bedrock Agent action group (`routes.EXTRA_HANDLERS`).

The code lives in `concert_api.handlers`; this shim sits at the root of the deployment package so the guide's
handler strings work unchanged. Each handler is imported on first access (PEP 562), so a function imports only
its own handler module and its cold start stays small.
"""

from __future__ import annotations

from typing import Any

from concert_api.routes import EXTRA_HANDLERS, ROUTES, load_extra_handler, load_handler

__all__ = [r.handler for r in ROUTES] + list(EXTRA_HANDLERS)


def __getattr__(name: str) -> Any:
    for r in ROUTES:
        if r.handler == name:
            handler = load_handler(r)
            globals()[name] = handler
            return handler
    if name in EXTRA_HANDLERS:  # not an HTTP route: the Bedrock Agent action group
        handler = load_extra_handler(name)
        globals()[name] = handler
        return handler
    raise AttributeError(f"module 'api_lambda_handlers' has no attribute {name!r}")

"""The OpenAPI 3.1 document, generated from the request and response models and the route table.

`concert-api openapi --write` refreshes the committed `docs/openapi.json`; a test keeps it current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from concert_api import __version__
from concert_api.examples import VALID
from concert_api.routes import ROUTES

OPENAPI_PATH = Path("docs/openapi.json")

_ERRORS = {
    "400": "Malformed or invalid request; `details` names each bad field",
    "404": "Unknown artist, venue or user (`details` names the field)",
    "405": "Method not allowed",
    "413": "Request body too large",
    "500": "Unexpected error (no internal detail is returned)",
    "502": "A service behind the API failed",
    "503": "Service not configured, or busy",
    "504": "A service behind the API timed out",
}


def build_openapi() -> dict[str, Any]:
    """The OpenAPI document as a dict."""
    from pydantic.json_schema import models_json_schema

    from concert_api import models

    names = {r.request_model for r in ROUTES if r.request_model} | {r.response_model for r in ROUTES}
    classes = [getattr(models, name) for name in sorted(names)] + [models.ErrorResponse]
    _, schemas = models_json_schema(
        [(cls, "validation" if cls.__name__.endswith("Request") else "serialization") for cls in classes],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, Any] = {}
    for r in ROUTES:
        operation: dict[str, Any] = {
            "operationId": r.handler.removesuffix("_handler"),
            "summary": r.summary,
            "x-lambda-function": r.function_name,
            "responses": {
                "200": {"description": "OK", "content": _json(r.response_model)},
                **{
                    code: {"description": text, "content": _json("ErrorResponse")}
                    for code, text in _ERRORS.items()
                    if code != "404" or r.key in {"ticket-prediction", "recommendations"}
                },
            },
        }
        if r.key == "health-check":  # unhealthy is still a health report, for load balancers and people alike
            operation["responses"]["503"] = {
                "description": "Unhealthy: the warehouse probe failed (with ?deep=true)",
                "content": _json("HealthResponse"),
            }
        if r.request_model:
            content = _json(r.request_model)
            content["application/json"]["example"] = VALID[r.key]
            operation["requestBody"] = {"required": False, "content": content}
        if r.key == "health-check":
            operation["parameters"] = [
                {
                    "name": "deep",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "boolean"},
                    "description": "Probe each configured backend and report its latency.",
                }
            ]
        paths[r.path] = {r.method.lower(): operation}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Concert Data Platform API",
            "version": __version__,
            "description": "Venue popularity, ticket-sales predictions, recommendations and a chat assistant "
            "over the concert warehouse.",
        },
        "paths": paths,
        "components": {"schemas": schemas["$defs"]},
    }


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}


def render() -> str:
    """The document as the committed file's text."""
    return json.dumps(build_openapi(), indent=2, sort_keys=False) + "\n"


def write(path: Path = OPENAPI_PATH) -> Path:
    """Write the document to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path

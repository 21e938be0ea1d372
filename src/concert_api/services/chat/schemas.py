"""JSON Schemas of the tools' inputs in the plain form Bedrock accepts: inlined (no `$ref`), optional fields
as their own type rather than `anyOf [..., null]`, no titles. Used for the Converse `toolConfig` and the
action group's OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

from concert_api import __version__
from concert_api.services.chat.tools import TOOLS, Tool

ACTION_GROUP_PATH_PREFIX = "/tools/"
_KEEP = ("type", "description", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
         "minLength", "maxLength", "pattern", "format", "default", "items", "maxItems")


def input_schema(tool: Tool) -> dict[str, Any]:
    """The tool's input as a plain JSON Schema object."""
    raw = tool.input_model.model_json_schema()
    defs = raw.get("$defs", {})
    properties: dict[str, Any] = {}
    for name, prop in raw.get("properties", {}).items():
        simple = _simplify(prop, defs)
        note = tool.field_notes.get(name)
        if note and "description" not in simple:
            simple["description"] = note
        properties[name] = simple
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = raw.get("required", [])
    if required:
        schema["required"] = list(required)
    return schema


def _simplify(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prop:
        prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in prop.items() if k != "$ref"}}
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        merged = {**_simplify(branches[0], defs), **{k: v for k, v in prop.items() if k not in {"anyOf", "title"}}}
        if merged.get("default", 0) is None:
            merged.pop("default")
        return merged
    out = {k: v for k, v in prop.items() if k in _KEEP}
    if "items" in out:
        out["items"] = _simplify(out["items"], defs)
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    return out


def converse_tool_config() -> dict[str, Any]:
    """The Converse API's `toolConfig` for every tool."""
    return {"tools": [{"toolSpec": {"name": t.name, "description": t.description,
                                    "inputSchema": {"json": input_schema(t)}}} for t in TOOLS]}


def action_group_openapi() -> dict[str, Any]:
    """The OpenAPI 3.0 document of the Bedrock Agent action group: one POST operation per tool."""
    paths: dict[str, Any] = {}
    for t in TOOLS:
        paths[f"{ACTION_GROUP_PATH_PREFIX}{t.name}"] = {"post": {
            "operationId": t.name,
            "summary": t.description.split(".")[0][:100],
            "description": t.description,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": input_schema(t)}}},
            "responses": {
                "200": {"description": "The tool's result: {tool, parameters, result}.",
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "properties": {"tool": {"type": "string"}, "parameters": {"type": "object"},
                                           "result": {"type": "object"}}}}}},
                "400": {"description": "Invalid or ambiguous parameters; `details` says which.",
                        "content": {"application/json": {"schema": _ERROR}}},
                "404": {"description": "No such artist or venue.",
                        "content": {"application/json": {"schema": _ERROR}}},
            },
        }}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Concert Data Platform tools", "version": __version__,
                 "description": "Functions a Bedrock agent calls to answer questions from the concert warehouse."},
        "paths": paths,
    }


def function_schema() -> dict[str, Any]:
    """The same tools as an action group's function details (`functionSchema`); arrays and nested values are
    passed as JSON strings by the agent and parsed by the action-group Lambda."""
    functions = []
    for t in TOOLS:
        schema = input_schema(t)
        required = set(schema.get("required", []))
        parameters = {name: {"type": _parameter_type(prop), "description": prop.get("description", name)[:500],
                             "required": name in required}
                      for name, prop in schema["properties"].items()}
        functions.append({"name": t.name, "description": t.description[:1200], "parameters": parameters})
    return {"functions": functions}


def _parameter_type(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    return kind if kind in {"string", "number", "integer", "boolean", "array"} else "string"


_ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "details": {"type": "string"}}}


def render_openapi() -> str:
    """The action group's OpenAPI document as the committed file's text."""
    return json.dumps(action_group_openapi(), indent=2) + "\n"

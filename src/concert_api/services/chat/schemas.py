"""The tools' inputs as schemas Bedrock accepts, generated from the same pydantic models the tools validate with.

* `input_schema(tool)`: JSON Schema (pydantic's 2020-12 dialect, made plain: inlined, no `$ref`, optional fields
  as their own type rather than `anyOf [..., null]`, no titles), for the Converse API's `toolConfig`.
* `action_group_openapi()`: the action group's OpenAPI **3.0** document. OpenAPI 3.0 is not JSON Schema 2020-12,
  so the constraints are translated to 3.0's forms: a numeric `exclusiveMinimum: 0` becomes `minimum: 0` with
  `exclusiveMinimum: true` (the same for maxima), and an optional field's `anyOf [T, null]` becomes `T` with
  `nullable: true`. AWS documents that agents support a subset of OpenAPI 3.0 without `enum`, to be replaced by
  the allowed values in the description: `enum` is moved there.
* `function_schema()`: the same tools as the action group's function details (`functionSchema`), whose
  parameters have only a type (string, number, integer, boolean, array) and a description.

`tests/unit/chat/test_chat_agent_schema.py` validates the OpenAPI document with `openapi-spec-validator` and checks
the limits AWS documents (botocore's `bedrock-agent` model and the service quotas)."""

from __future__ import annotations

import json
from typing import Any

from concert_api import __version__
from concert_api.services.chat.tools import TOOLS, Tool

ACTION_GROUP_PATH_PREFIX = "/tools/"
FUNCTION_PARAMETER_TYPES = ("string", "number", "integer", "boolean", "array")
_KEEP = ("type", "description", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
         "minLength", "maxLength", "pattern", "format", "default", "items", "maxItems")
_BOUNDS = (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum"))


def input_schema(tool: Tool, *, openapi30: bool = False) -> dict[str, Any]:
    """The tool's input as a plain JSON Schema object; with `openapi30`, as an OpenAPI 3.0 Schema Object
    (boolean exclusive bounds beside `minimum`/`maximum`, `nullable` for optional fields)."""
    raw = tool.input_model.model_json_schema()
    defs = raw.get("$defs", {})
    properties: dict[str, Any] = {}
    for name, prop in raw.get("properties", {}).items():
        simple = _simplify(prop, defs, openapi30)
        note = tool.field_notes.get(name)
        if note and "description" not in simple:
            simple["description"] = note
        properties[name] = simple
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    required = raw.get("required", [])
    if required:
        schema["required"] = list(required)
    return schema


def _simplify(prop: dict[str, Any], defs: dict[str, Any], openapi30: bool) -> dict[str, Any]:
    if "$ref" in prop:
        prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in prop.items() if k != "$ref"}}
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        merged = {**_simplify(branches[0], defs, openapi30),
                  **{k: v for k, v in prop.items() if k not in {"anyOf", "title"}}}
        if merged.get("default", 0) is None:
            merged.pop("default")
        if openapi30 and len(branches) < len(prop["anyOf"]):
            merged["nullable"] = True
        return merged
    out = {k: v for k, v in prop.items() if k in _KEEP}
    if "items" in out:
        out["items"] = _simplify(out["items"], defs, openapi30)
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    if openapi30:
        for exclusive, inclusive in _BOUNDS:
            if isinstance(out.get(exclusive), int | float) and not isinstance(out[exclusive], bool):
                out[inclusive], out[exclusive] = out[exclusive], True
    return out


def _enum_in_description(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without `enum` (which Bedrock agents do not support), its values named in the description."""
    out = dict(schema)
    if "properties" in out:
        out["properties"] = {name: _enum_in_description(prop) for name, prop in out["properties"].items()}
    if "items" in out:
        out["items"] = _enum_in_description(out["items"])
        if "enum" in schema["items"]:
            out["description"] = _with_values(out.get("description", ""), schema["items"]["enum"], each=True)
            out["items"].pop("description", None)
    if "enum" in out:
        out["description"] = _with_values(out.get("description", ""), out.pop("enum"))
    return out


def _with_values(description: str, values: list[Any], *, each: bool = False) -> str:
    listed = ", ".join(str(v) for v in values)
    return f"{description} {'Each one' if each else 'One'} of: {listed}.".strip()


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
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _enum_in_description(input_schema(t, openapi30=True))}}},
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
                "503": {"description": "The warehouse is busy or unavailable; `retryable` is true: try again.",
                        "content": {"application/json": {"schema": _ERROR}}},
                "504": {"description": "The warehouse did not answer in time; `retryable` is true: try again.",
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
    passed as JSON strings by the agent and parsed by the action-group Lambda. A parameter's allowed values go
    into its description, the only place function details have for them."""
    functions = []
    for t in TOOLS:
        schema = _enum_in_description(input_schema(t))
        required = set(schema.get("required", []))
        parameters = {name: {"type": _parameter_type(prop), "description": prop.get("description", name),
                             "required": name in required}
                      for name, prop in schema["properties"].items()}
        functions.append({"name": t.name, "description": t.description, "parameters": parameters})
    return {"functions": functions}


def _parameter_type(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    return kind if kind in FUNCTION_PARAMETER_TYPES else "string"


_ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "details": {"type": "string"},
                                           "timestamp": {"type": "string"}, "retryable": {"type": "boolean"}}}


def render_openapi() -> str:
    """The action group's OpenAPI document as the committed file's text."""
    return json.dumps(action_group_openapi(), indent=2) + "\n"

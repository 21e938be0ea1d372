"""The action group's schemas against the specs and the limits AWS documents.

* OpenAPI: `openapi-spec-validator` checks `docs/agent_openapi.json` as OpenAPI 3.0 (what Bedrock agents take) and
  `docs/openapi.json` as 3.1. AWS's user guide ("Define OpenAPI schemas for your agent's action groups") requires
  `"openapi": "3.0.0"`, paths starting with `/`, and supports a subset of 3.0 without `enum`.
* Function details: the lengths, types and name patterns come from botocore's own `bedrock-agent` service model
  (the shapes `FunctionDescription`, `ParameterDescription`, `Type`, `Name`), and a `CreateAgentActionGroup` call
  with both schemas passes botocore's parameter validation (Stubber).
* Quotas (AWS General Reference, "Amazon Bedrock endpoints and quotas", both adjustable): "APIs per Agent", 11 by
  default; "Parameters per function", 5 by default, enforced by `CreateAgentActionGroup` ("Validation failed for
  quota parameters-per-function. The maximum number of resources is 5"). What AWS checks that these tests cannot:
  an account's raised quotas, and how the agent's model reads the descriptions.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from jsonschema.exceptions import best_match
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from concert_api.services.chat.schemas import (
    ACTION_GROUP_PATH_PREFIX,
    action_group_openapi,
    converse_tool_config,
    function_schema,
)
from concert_api.services.chat.tools import TOOLS, TOOLS_BY_NAME

ROOT = Path(__file__).resolve().parents[3]
APIS_PER_AGENT_DEFAULT_QUOTA = 11
PARAMETERS_PER_FUNCTION_DEFAULT_QUOTA = 5


@pytest.fixture(scope="module")
def agent_model():
    return botocore.session.get_session().get_service_model("bedrock-agent")


def _walk(node):
    """Every dict inside a JSON document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_the_agent_schema_is_valid_openapi_3_0_as_bedrock_requires():
    spec = action_group_openapi()
    assert spec["openapi"] == "3.0.0"
    OpenAPIV30SpecValidator(spec).validate()
    committed = json.loads((ROOT / "docs" / "agent_openapi.json").read_text(encoding="utf-8"))
    OpenAPIV30SpecValidator(committed).validate()


def test_the_api_document_is_valid_openapi_3_1():
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(spec).validate()


def test_the_json_schema_2020_12_form_of_a_bound_is_what_the_3_0_validator_rejects():
    """Given the document with one bound in the 2020-12 form (the bug this schema had), the validator fails."""
    spec = copy.deepcopy(action_group_openapi())
    price = (spec["paths"]["/tools/concert_search"]["post"]["requestBody"]["content"]["application/json"]
             ["schema"]["properties"]["max_price"])
    price.pop("minimum")
    price["exclusiveMinimum"] = 0
    worst = best_match(OpenAPIV30SpecValidator(spec).iter_errors())
    assert worst is not None and worst.message == "0 is not of type 'boolean'"
    assert list(worst.absolute_path)[-2:] == ["max_price", "exclusiveMinimum"]


def test_constraints_are_translated_to_the_3_0_forms():
    properties = (action_group_openapi()["paths"]["/tools/concert_search"]["post"]["requestBody"]["content"]
                  ["application/json"]["schema"]["properties"])
    assert (properties["max_price"]["minimum"], properties["max_price"]["exclusiveMinimum"]) == (0, True)
    assert properties["artist"]["nullable"] is True and properties["artist"]["type"] == "string"
    assert "nullable" not in properties["limit"]  # not optional-with-null: it has a default
    assert "One of: upcoming, past, any." in properties["when"]["description"]
    text = json.dumps(action_group_openapi())
    assert "$ref" not in text and "anyOf" not in text and '"null"' not in text and '"enum"' not in text
    # The Converse API takes JSON Schema: there the bound keeps its 2020-12 form and enums stay.
    converse = {t["toolSpec"]["name"]: t["toolSpec"]["inputSchema"]["json"] for t in converse_tool_config()["tools"]}
    assert converse["concert_search"]["properties"]["max_price"]["exclusiveMinimum"] == 0
    assert converse["concert_search"]["properties"]["when"]["enum"] == ["upcoming", "past", "any"]


def test_a_list_of_allowed_values_is_named_in_the_description():
    genres = (action_group_openapi()["paths"]["/tools/recommendations"]["post"]["requestBody"]["content"]
              ["application/json"]["schema"]["properties"]["genres"])
    assert genres["type"] == "array" and genres["items"] == {"type": "string"}
    assert "Each one of: pop, rock" in genres["description"]


def test_the_operations_fit_the_apis_per_agent_quota_and_the_name_rules(agent_model):
    paths = action_group_openapi()["paths"]
    assert len(paths) == len(TOOLS) <= APIS_PER_AGENT_DEFAULT_QUOTA
    name_pattern = re.compile(agent_model.shape_for("Name").metadata["pattern"])
    for path, methods in paths.items():
        assert path.startswith(ACTION_GROUP_PATH_PREFIX) and list(methods) == ["post"]
        operation = methods["post"]
        assert name_pattern.fullmatch(operation["operationId"]), operation["operationId"]
        assert operation["description"] and operation["responses"]["200"]


def test_function_details_fit_the_bedrock_agent_service_model(agent_model):
    function_max = agent_model.shape_for("FunctionDescription").metadata["max"]
    parameter_max = agent_model.shape_for("ParameterDescription").metadata["max"]
    types = set(agent_model.shape_for("Type").enum)
    name_pattern = re.compile(agent_model.shape_for("Name").metadata["pattern"])
    functions = function_schema()["functions"]
    assert [f["name"] for f in functions] == [t.name for t in TOOLS]
    for fn in functions:
        assert name_pattern.fullmatch(fn["name"]) and 1 <= len(fn["description"]) <= function_max
        for name, parameter in fn["parameters"].items():
            assert name_pattern.fullmatch(name), name
            assert parameter["type"] in types, (fn["name"], name)
            assert 1 <= len(parameter["description"]) <= parameter_max, (fn["name"], name)
    concert_search = next(f for f in functions if f["name"] == "concert_search")
    assert "One of: upcoming, past, any." in concert_search["parameters"]["when"]["description"]


def test_both_schemas_pass_botocore_validation_of_create_agent_action_group():
    client = boto3.client("bedrock-agent", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    common = {"agentId": "AGENT12345", "agentVersion": "DRAFT", "actionGroupName": "concert-tools",
              "actionGroupExecutor": {"lambda": "arn:aws:lambda:us-east-1:123456789012:function:f:live"}}
    response = {"agentActionGroup": {"actionGroupId": "GROUP12345", "actionGroupName": "concert-tools",
                                     "actionGroupState": "ENABLED", "agentId": "AGENT12345",
                                     "agentVersion": "DRAFT", "createdAt": "2026-01-01T00:00:00Z",
                                     "updatedAt": "2026-01-01T00:00:00Z"}}
    with Stubber(client) as stub:
        stub.add_response("create_agent_action_group", response)
        stub.add_response("create_agent_action_group", response)
        client.create_agent_action_group(**common, functionSchema=function_schema())
        client.create_agent_action_group(**common,
                                         apiSchema={"payload": json.dumps(action_group_openapi())})
        stub.assert_no_pending_responses()


def test_the_tools_over_the_parameters_per_function_quota_are_named_in_the_deploy_guide():
    """Function details count every parameter against the default quota of 5; the guide must name the tools that
    need the quota raised (or the OpenAPI form)."""
    over = sorted(name for name, tool in TOOLS_BY_NAME.items()
                  if len(tool.input_model.model_fields) > PARAMETERS_PER_FUNCTION_DEFAULT_QUOTA)
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Bedrock agent action group"):guide.index("## IAM policies")]
    quota_line = next(line for line in section.splitlines() if "Parameters per function" in line)
    assert over and all(f"`{name}`" in quota_line for name in over), (over, quota_line)

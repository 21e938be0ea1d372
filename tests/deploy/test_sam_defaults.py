"""template.yaml's defaults (issue 14, findings 1 and 3): authorization required, integration timeouts that the
request deadline ends before, logs that expire, tracing, alarms on what actually moves, scoped resources."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import pytest
import yaml

from concert_api.deadline import DEADLINE_MARGIN_SECONDS, request_seconds
from concert_tools.deploy.sam import TEMPLATE_PATH
from concert_tools.deploy.spec import ALL_FUNCTIONS, FUNCTIONS

DATA_ROUTES = {(s.method.lower(), s.path) for s in FUNCTIONS if s.path != "/health"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))


def _operations(api: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The API's operations that reach a function (the console site's CORS preflights, answered by API Gateway
    itself, are tested in test_sam_console.py)."""
    paths = api["Properties"]["DefinitionBody"]["paths"]
    return {(method, path): op for path, ops in paths.items() for method, op in ops.items() if method != "options"}


def test_data_endpoints_need_an_api_key_by_default(template):
    # given the template's defaults
    auth = template["Parameters"]["AuthType"]
    assert auth["Default"] == "API_KEY"
    assert "NONE" in auth["AllowedValues"]  # only when asked for explicitly
    # then the REST API (with its key and usage plan) is the one deployed, every data route needs the key...
    conditions = template["Conditions"]
    assert conditions["UseRestApi"] == {"Fn::Equals": [{"Ref": "AuthType"}, "API_KEY"]}
    ops = _operations(template["Resources"]["RestApi"])
    for route in DATA_ROUTES:
        assert ops[route]["security"] == [{"api_key": []}], route
    # ...and /health stays open for load balancers
    assert "security" not in ops[("get", "/health")]
    for name in ("ApiKey", "UsagePlan", "UsagePlanKey"):
        assert template["Resources"][name]["Condition"] == "UseRestApi"


def test_every_integration_timeout_is_explicit_and_outlasts_the_request_deadline(template):
    for api in ("RestApi", "HttpApi"):
        for route, op in _operations(template["Resources"][api]).items():
            limit = op["x-amazon-apigateway-integration"]["timeoutInMillis"]
            assert limit == 29_000, (api, route)  # REST's limit; HTTP APIs allow 30 s

    class SixtySecondFunction:
        def get_remaining_time_in_millis(self) -> int:
            return 60_000

    # a request of a 60 s function ends before API Gateway gives up, leaving the margin for our error body
    assert request_seconds(SixtySecondFunction(), 60.0) <= 29.0 - DEADLINE_MARGIN_SECONDS


def test_each_function_logs_to_a_group_with_a_retention(template):
    resources = template["Resources"]
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    for spec in ALL_FUNCTIONS:
        base = spec.logical_id.removesuffix("Function")
        group = resources[f"{base}LogGroup"]
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert group["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{spec.base_name}${{NameSuffix}}"}
        assert resources[spec.logical_id]["Properties"]["LoggingConfig"] == {"LogGroup": {"Ref": f"{base}LogGroup"}}


def test_active_tracing_is_the_default_and_switches_the_tracer(template):
    assert template["Parameters"]["Tracing"]["Default"] == "Active"
    assert template["Globals"]["Function"]["Tracing"] == {"Ref": "Tracing"}
    for spec in ALL_FUNCTIONS:
        env = template["Resources"][spec.logical_id]["Properties"]["Environment"]["Variables"]
        assert env["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["UseTracing", "false", "true"]}


def _emitted_metrics() -> dict[str, Any]:
    """The EMF document one handler invocation writes (namespace, dimensions, metric names)."""
    from concert_api.errors import DependencyError
    from concert_api.handlers.runtime import api_endpoint

    def fail(_request: Any) -> Any:
        raise DependencyError("down")

    handler = api_endpoint(name="chatbot", method="GET", path="/x", event="x")(fail)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        handler({"httpMethod": "GET", "path": "/x"}, None)
    for line in buffer.getvalue().splitlines():
        doc = json.loads(line)
        if "_aws" in doc:
            return dict(doc)
    raise AssertionError("no EMF document written")


def test_the_app_error_alarm_watches_the_metric_the_handlers_emit(template, monkeypatch):
    # given a handler whose dependency fails (a 5xx response: Lambda's Errors metric does not move)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    emf = _emitted_metrics()
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    emitted = {m["Name"] for m in directive["Metrics"]}
    # then the ServerErrors alarm of that function matches what was emitted: namespace, metric and dimensions
    alarm = template["Resources"]["ChatbotServerErrorsAlarm"]["Properties"]
    assert alarm["Namespace"] == directive["Namespace"]
    assert alarm["MetricName"] in emitted and emf[alarm["MetricName"]] in (1, [1.0])
    dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert set(dims) == set(directive["Dimensions"][0])
    assert all(emf[name] == value for name, value in dims.items())
    latency = template["Resources"]["ChatbotLatencyAlarm"]["Properties"]
    assert latency["MetricName"] == "Latency" and "Latency" in emitted
    assert latency["Threshold"] < 29_000


def test_api_gateway_5xx_and_latency_are_watched_for_either_api(template):
    resources = template["Resources"]
    assert resources["HttpApi5xxAlarm"]["Properties"]["MetricName"] == "5xx"
    assert resources["RestApi5xxAlarm"]["Properties"]["MetricName"] == "5XXError"
    assert resources["RestApi5xxAlarm"]["Properties"]["Dimensions"] == [
        {"Name": "ApiName", "Value": resources["RestApi"]["Properties"]["Name"]}
    ]
    for api in ("HttpApi", "RestApi"):
        assert resources[f"{api}LatencyAlarm"]["Properties"]["Namespace"] == "AWS/ApiGateway"


def test_the_workgroup_is_named_by_its_id_never_star(template):
    wg = template["Parameters"]["RedshiftWorkgroupId"]
    assert wg["Default"] == "" and "*" not in wg["AllowedPattern"]
    rule = template["Rules"]["WorkgroupNeedsId"]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "RedshiftWorkgroupId"}, ""]}]}


def test_the_cognito_user_pool_survives_stack_deletion(template):
    pool = template["Resources"]["UserPool"]
    assert (pool["DeletionPolicy"], pool["UpdateReplacePolicy"]) == ("Retain", "Retain")

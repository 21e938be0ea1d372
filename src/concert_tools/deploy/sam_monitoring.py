"""The template's alarms and dashboard.

Every exception becomes a 5xx response, so Lambda's own `Errors` metric almost never moves: the alarms that
matter watch the app's own metrics (`ServerErrors` and `Latency`, emitted by `handlers/runtime.py` in the
namespace `ConcertAPI`, dimensions `service` and `function`) and API Gateway's `5xx`/`5XXError` and `Latency`.
Lambda's Errors, Throttles and p99 Duration stay watched for crashes, throttling and timeouts.
"""

from __future__ import annotations

import json
from typing import Any

from concert_api.deadline import API_GATEWAY_LIMIT_SECONDS
from concert_tools.deploy.spec import FUNCTIONS, SERVICE_NAME, FunctionSpec

NO_VALUE = {"Ref": "AWS::NoValue"}
METRICS_NAMESPACE = "ConcertAPI"
"""The app's metrics namespace (`observability.METRICS_NAMESPACE` when POWERTOOLS_METRICS_NAMESPACE is unset)."""
PERIOD_SECONDS = 300
LATENCY_SHARE = 0.8
"""Latency alarms fire at this share of the time a request may take (the function's timeout, or API Gateway's
limit when that is shorter)."""


def name_sub(spec: FunctionSpec) -> str:
    """The function's name as a `Fn::Sub` string."""
    return spec.base_name + "${NameSuffix}"


def log_group(name: Any) -> dict[str, Any]:
    """A log group named `name` (a string or an intrinsic), kept `LogRetentionDays` days, tagged with the project."""
    return {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "LogGroupName": name,
            "RetentionInDays": {"Ref": "LogRetentionDays"},
            "Tags": [{"Key": "project", "Value": SERVICE_NAME}],
        },
    }


def alarm(name: str, description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]],
          statistic: dict[str, Any], threshold: int) -> dict[str, Any]:  # fmt: skip
    """One CloudWatch alarm over 5 minutes, notifying AlarmTopicArn when it is set."""
    actions = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], NO_VALUE]}
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": {"Fn::Sub": name},
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            **statistic,
            "Period": PERIOD_SECONDS,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": actions,
            "OKActions": actions,
        },
    }


def request_budget_ms(spec: FunctionSpec) -> int:
    """The longest a request of this function may take, in milliseconds."""
    seconds = min(spec.timeout_s, API_GATEWAY_LIMIT_SECONDS) if spec.is_route else spec.timeout_s
    return int(seconds * 1000)


def function_alarm_specs(spec: FunctionSpec, function_name: Any) -> list[tuple[str, str, str, list[dict[str, Any]],
                                                                             dict[str, Any], int, str]]:
    """The five alarms every function gets, as (label, namespace, metric, dimensions, statistic, threshold, what):
    Lambda's Errors, Throttles and p99 Duration (on `function_name`: a `Ref` in the template, the name in the
    deployer), and the app's ServerErrors and p99 Latency. The template and the deployer both build on these."""
    lambda_dims = [{"Name": "FunctionName", "Value": function_name}]
    app_dims = [{"Name": "service", "Value": SERVICE_NAME}, {"Name": "function", "Value": spec.key}]
    sum_, p99 = {"Statistic": "Sum"}, {"ExtendedStatistic": "p99"}
    duration = int(spec.timeout_s * 1000 * LATENCY_SHARE)
    latency = int(request_budget_ms(spec) * LATENCY_SHARE)
    return [
        ("Errors", "AWS/Lambda", "Errors", lambda_dims, sum_, 1, "errors"),
        ("Throttles", "AWS/Lambda", "Throttles", lambda_dims, sum_, 1, "throttled invocations"),
        ("Duration", "AWS/Lambda", "Duration", lambda_dims, p99, duration, "p99 duration (ms)"),
        ("ServerErrors", METRICS_NAMESPACE, "ServerErrors", app_dims, sum_, 1, "5xx responses"),
        ("Latency", METRICS_NAMESPACE, "Latency", app_dims, p99, latency, "p99 request latency (ms)"),
    ]


def function_alarms(spec: FunctionSpec, base: str) -> dict[str, Any]:
    """Lambda's Errors, Throttles and p99 Duration, and the app's ServerErrors and p99 Latency, per function."""
    return {
        f"{base}{label}Alarm": alarm(
            f"{name_sub(spec)}-{label.lower()}",
            f"{spec.key}: {what} >= {threshold} over 5 minutes",
            namespace,
            metric,
            dims,
            stat,
            threshold,
        )
        for label, namespace, metric, dims, stat, threshold, what in function_alarm_specs(
            spec, {"Ref": spec.logical_id}
        )
    }


def api_alarms() -> dict[str, Any]:
    """API Gateway's 5xx count and p99 latency, for whichever API the stack has."""
    p99, sum_ = {"ExtendedStatistic": "p99"}, {"Statistic": "Sum"}
    latency = int(API_GATEWAY_LIMIT_SECONDS * 1000 * LATENCY_SHARE)
    http_dims = [{"Name": "ApiId", "Value": {"Ref": "HttpApi"}}]
    rest_dims = [{"Name": "ApiName", "Value": {"Fn::Sub": "concert-api${NameSuffix}"}}]
    out: dict[str, Any] = {}
    for api, condition, dims, five_xx in (
        ("HttpApi", "UseHttpApi", http_dims, "5xx"),
        ("RestApi", "UseRestApi", rest_dims, "5XXError"),
    ):
        for label, metric, stat, threshold, what in (
            ("5xx", five_xx, sum_, 1, "5xx responses"),
            ("Latency", "Latency", p99, latency, "p99 latency (ms)"),
        ):
            out[f"{api}{label}Alarm"] = {
                "Condition": condition,
                **alarm(
                    f"concert-api${{NameSuffix}}-api-{label.lower()}",
                    f"API Gateway: {what} >= {threshold} over 5 minutes",
                    "AWS/ApiGateway",
                    metric,
                    dims,
                    stat,
                    threshold,
                ),
            }
    return out


def dashboard_body() -> dict[str, Any]:
    """A CloudWatch dashboard: invocations, errors, throttles and p99 duration per function, and the app's own
    5xx responses and p99 latency."""
    widgets = []
    panels: list[tuple[str, str, str, Any]] = [
        ("AWS/Lambda", "Invocations", "Sum", None),
        ("AWS/Lambda", "Errors", "Sum", None),
        ("AWS/Lambda", "Throttles", "Sum", None),
        ("AWS/Lambda", "Duration", "p99", None),
        ("AWS/Lambda", "ConcurrentExecutions", "Maximum", None),
        (METRICS_NAMESPACE, "ServerErrors", "Sum", "app"),
        (METRICS_NAMESPACE, "Latency", "p99", "app"),
    ]
    for i, (namespace, metric, stat, app) in enumerate(panels):
        if app:
            lines = [[namespace, metric, "service", SERVICE_NAME, "function", spec.key] for spec in FUNCTIONS]
        else:
            lines = [[namespace, metric, "FunctionName", f"${{{spec.logical_id}}}"] for spec in FUNCTIONS]
        widgets.append(
            {
                "type": "metric",
                "x": (i % 2) * 12,
                "y": (i // 2) * 6,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": f"{metric} ({stat})",
                    "region": "${AWS::Region}",
                    "stat": stat,
                    "period": 60,
                    "view": "timeSeries",
                    "metrics": lines,
                },
            }
        )
    return {"Fn::Sub": json.dumps({"widgets": widgets}, separators=(",", ":"))}

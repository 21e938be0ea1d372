"""The deployer's alarms: the same five per function as the template (`sam_monitoring.function_alarm_specs`:
Lambda's Errors, Throttles and p99 Duration; the app's ServerErrors and p99 Latency), put idempotently
(an alarm is put only when it is missing or differs, so a re-run writes nothing)."""

from __future__ import annotations

from typing import Any

from concert_tools.deploy.deploy_config import FunctionResult
from concert_tools.deploy.sam_monitoring import PERIOD_SECONDS, function_alarm_specs
from concert_tools.deploy.spec import FunctionSpec


def alarm_requests(spec: FunctionSpec, function_name: str) -> list[dict[str, Any]]:
    """PutMetricAlarm requests for one deployed function."""
    return [
        {
            "AlarmName": f"{function_name}-{label.lower()}",
            "AlarmDescription": f"{spec.key}: {what} >= {threshold} over 5 minutes",
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dims,
            **statistic,
            "Period": PERIOD_SECONDS,
            "EvaluationPeriods": 1,
            "Threshold": float(threshold),
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        }
        for label, namespace, metric, dims, statistic, threshold, what in function_alarm_specs(spec, function_name)
    ]


def ensure_alarms(cloudwatch: Any, spec: FunctionSpec, function_name: str, result: FunctionResult) -> None:
    """Create or update the function's alarms that are missing or differ."""
    requests = alarm_requests(spec, function_name)
    found = cloudwatch.describe_alarms(AlarmNames=[r["AlarmName"] for r in requests]).get("MetricAlarms", [])
    existing = {a["AlarmName"]: a for a in found}
    changed = [r for r in requests if _differs(r, existing.get(r["AlarmName"]))]
    for request in changed:
        cloudwatch.put_metric_alarm(**request)
    if changed:
        result.actions.append(f"put {len(changed)} alarms")


def _differs(request: dict[str, Any], alarm: dict[str, Any] | None) -> bool:
    if alarm is None:
        return True
    for key, wanted in request.items():
        have = alarm.get(key)
        if key == "Dimensions":
            wanted, have = _dims(wanted), _dims(have or [])
        if have != wanted:
            return True
    return False


def _dims(dimensions: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((d["Name"], str(d["Value"])) for d in dimensions)

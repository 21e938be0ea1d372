"""The functions themselves: create, or update code then configuration, waiting for Lambda after each write."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from concert_tools.deploy.artifact import Package
from concert_tools.deploy.aws_errors import error_code
from concert_tools.deploy.deploy_config import DeployConfig, FunctionResult
from concert_tools.deploy.errors import DeployError
from concert_tools.deploy.spec import FunctionSpec, function_environment

_COMPARED = ("Role", "Handler", "Runtime", "Description", "Timeout", "MemorySize")


def environment_for(config: DeployConfig, spec: FunctionSpec) -> dict[str, str]:
    """The function's environment variables (values never printed): the tracer is on with active tracing."""
    env = function_environment(spec, config.env, config.log_level)
    env["POWERTOOLS_TRACE_DISABLED"] = "false" if config.tracing else "true"
    return env


def desired_configuration(config: DeployConfig, spec: FunctionSpec, role_arn: str) -> dict[str, Any]:
    """The UpdateFunctionConfiguration arguments for one function."""
    return {
        "FunctionName": config.function_name(spec),
        "Role": role_arn,
        "Handler": spec.handler,
        "Runtime": config.runtime,
        "Description": spec.description,
        "Timeout": spec.timeout_s,
        "MemorySize": spec.memory_mb,
        "Environment": {"Variables": environment_for(config, spec)},
        "KMSKeyArn": config.kms_key_arn or "",
        "VpcConfig": {"SubnetIds": list(config.subnet_ids), "SecurityGroupIds": list(config.security_group_ids)},
        "TracingConfig": {"Mode": "Active" if config.tracing else "PassThrough"},
    }


def configuration_differs(current: Mapping[str, Any], desired: Mapping[str, Any]) -> list[str]:
    """The names of the settings that differ between a GetFunctionConfiguration answer and `desired`."""
    diffs = [key for key in _COMPARED if current.get(key) != desired[key]]
    if (current.get("Environment") or {}).get("Variables", {}) != desired["Environment"]["Variables"]:
        diffs.append("Environment")
    if (current.get("KMSKeyArn") or "") != desired["KMSKeyArn"]:
        diffs.append("KMSKeyArn")
    if (current.get("TracingConfig") or {}).get("Mode", "PassThrough") != desired["TracingConfig"]["Mode"]:
        diffs.append("TracingConfig")
    vpc = current.get("VpcConfig") or {}
    wanted = desired["VpcConfig"]
    if sorted(vpc.get("SubnetIds") or []) != sorted(wanted["SubnetIds"]) or sorted(
        vpc.get("SecurityGroupIds") or []
    ) != sorted(wanted["SecurityGroupIds"]):
        diffs.append("VpcConfig")
    return diffs


def wait_until(lam: Any, waiter_name: str, function_name: str, delay: int) -> None:
    """Wait for a Lambda waiter (`function_active_v2`, `function_updated_v2`); fail with Lambda's own reason."""
    try:
        lam.get_waiter(waiter_name).wait(FunctionName=function_name, WaiterConfig={"Delay": delay, "MaxAttempts": 150})
    except WaiterError as exc:
        last = (exc.last_response or {}).get("Configuration", {})
        why = last.get("LastUpdateStatusReason") or last.get("StateReason") or str(exc)
        raise DeployError(f"{function_name} did not become ready: {why}") from exc


def get_function_or_none(lam: Any, name: str) -> dict[str, Any] | None:
    """GetFunction's Configuration, or None when the function does not exist (other errors propagate)."""
    try:
        return dict(lam.get_function(FunctionName=name)["Configuration"])
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return None


def create_function(
    lam: Any,
    config: DeployConfig,
    spec: FunctionSpec,
    role_arn: str,
    package: Package,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    """CreateFunction, retried while a role created seconds ago is not yet assumable (IAM is eventually
    consistent), for up to `config.role_propagation_timeout` seconds."""
    desired = desired_configuration(config, spec, role_arn)
    args = {k: v for k, v in desired.items() if k not in ("KMSKeyArn", "VpcConfig")}
    if config.kms_key_arn:
        args["KMSKeyArn"] = config.kms_key_arn
    if config.subnet_ids:
        args["VpcConfig"] = desired["VpcConfig"]
    args.update(
        Code=package.code(),
        Architectures=[config.architecture],
        Publish=False,
        PackageType="Zip",
        Tags=dict(config.tags),
    )
    deadline = time.monotonic() + config.role_propagation_timeout
    delay = 2.0
    while True:
        try:
            return dict(lam.create_function(**args))
        except ClientError as exc:
            retry = error_code(exc) == "InvalidParameterValueException" and "assume" in str(exc)
            if retry and time.monotonic() < deadline:
                sleep(delay)
                delay = min(delay * 1.5, 10.0)
                continue
            raise


def ensure_function(
    lam: Any,
    config: DeployConfig,
    spec: FunctionSpec,
    role_arn: str,
    package: Package,
    result: FunctionResult,
    sleep: Callable[[float], None],
) -> bool:
    """Create the function, or update its code and then its configuration where they differ; return whether
    $LATEST changed. Waits for `LastUpdateStatus` after every write."""
    name, delay = result.name, config.waiter_delay
    current = get_function_or_none(lam, name)
    if current is None:
        create_function(lam, config, spec, role_arn, package, sleep)
        result.actions.append("created function")
        wait_until(lam, "function_active_v2", name, delay)
        return True
    changed = False
    arch = (current.get("Architectures") or ["x86_64"])[0]
    if current.get("CodeSha256") != package.code_sha256 or arch != config.architecture:
        wait_until(lam, "function_updated_v2", name, delay)  # a previous update may still be in progress
        lam.update_function_code(FunctionName=name, Architectures=[config.architecture], **package.code())
        result.actions.append("updated code")
        wait_until(lam, "function_updated_v2", name, delay)
        changed = True
    desired = desired_configuration(config, spec, role_arn)
    diffs = configuration_differs(lam.get_function_configuration(FunctionName=name), desired)
    if diffs:
        update = {k: v for k, v in desired.items() if k not in ("KMSKeyArn", "VpcConfig") or k in diffs}
        lam.update_function_configuration(**update)
        result.actions.append(f"updated configuration ({', '.join(diffs)})")
        wait_until(lam, "function_updated_v2", name, delay)
        changed = True
    return changed

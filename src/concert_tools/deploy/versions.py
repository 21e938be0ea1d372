"""Versions and the `live` alias: publish when $LATEST differs from what `live` points at, then move `live`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from concert_tools.deploy.aws_errors import error_code
from concert_tools.deploy.deploy_config import FunctionResult
from concert_tools.deploy.spec import ALIAS_NAME

_REVISION_KEYS = ("CodeSha256", "Handler", "Runtime", "MemorySize", "Timeout", "Role")


def same_revision(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two function configurations run the same code with the same settings."""
    env_a = (a.get("Environment") or {}).get("Variables", {})
    env_b = (b.get("Environment") or {}).get("Variables", {})
    return all(a.get(k) == b.get(k) for k in _REVISION_KEYS) and env_a == env_b


def publish_and_alias(lam: Any, name: str, changed: bool, result: FunctionResult) -> str:
    """Publish a version when $LATEST differs from the alias's version; point `live` at it. Returns the
    unqualified function ARN."""
    try:
        alias = lam.get_alias(FunctionName=name, Name=ALIAS_NAME)
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        alias = None
    latest = lam.get_function_configuration(FunctionName=name)
    target = alias["FunctionVersion"] if alias else None
    if alias and not changed and target != "$LATEST":
        aliased = lam.get_function_configuration(FunctionName=name, Qualifier=target)
        changed = not same_revision(aliased, latest)
    if alias is None or changed:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        version = lam.publish_version(
            FunctionName=name, CodeSha256=latest["CodeSha256"], Description=f"concert-api {stamp}"
        )
        target_version = str(version["Version"])
        result.actions.append(f"published version {target_version}")
    else:
        target_version = str(target)
    if alias is None:
        created = lam.create_alias(
            FunctionName=name,
            Name=ALIAS_NAME,
            FunctionVersion=target_version,
            Description="the version API Gateway and provisioned concurrency use",
        )
        result.actions.append(f"created alias {ALIAS_NAME} -> {target_version} ({created['AliasArn']})")
    elif alias["FunctionVersion"] != target_version:
        lam.update_alias(FunctionName=name, Name=ALIAS_NAME, FunctionVersion=target_version)
        result.actions.append(f"moved alias {ALIAS_NAME} -> {target_version}")
    return ":".join(str(latest["FunctionArn"]).split(":")[:7])

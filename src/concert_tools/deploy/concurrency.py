"""Provisioned concurrency on the `live` alias (never on $LATEST, which AWS refuses); 0 removes it."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from concert_tools.deploy.aws_errors import error_code
from concert_tools.deploy.deploy_config import FunctionResult
from concert_tools.deploy.spec import ALIAS_NAME


def ensure_provisioned_concurrency(lam: Any, name: str, wanted: int, result: FunctionResult) -> None:
    """Set `wanted` provisioned executions on the function's `live` alias, writing only when it differs."""
    try:
        current = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=ALIAS_NAME)
        requested = current.get("RequestedProvisionedConcurrentExecutions")
    except ClientError as exc:
        if error_code(exc) != "ProvisionedConcurrencyConfigNotFoundException":
            raise
        requested = None
    if wanted == 0:
        if requested:
            lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=ALIAS_NAME)
            result.actions.append("removed provisioned concurrency")
        return
    if requested != wanted:
        lam.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier=ALIAS_NAME, ProvisionedConcurrentExecutions=wanted
        )
        result.actions.append(f"provisioned concurrency {wanted} on {ALIAS_NAME}")

"""Execution roles: Lambda's trust policy and each function's inline policy, written only where they differ."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from concert_tools.deploy.aws_errors import error_code, json_equal
from concert_tools.deploy.deploy_config import FunctionResult
from concert_tools.deploy.policy import trust_policy

ROLE_DESCRIPTION = "Execution role of the concert-api Lambda functions (least privilege, per function)"


def ensure_role(
    iam: Any,
    role_name: str,
    policies: Mapping[str, dict[str, Any]],
    tags: Mapping[str, str],
    result: FunctionResult,
) -> str:
    """Create or update `role_name` with Lambda's trust policy and the given inline policies; return its ARN."""
    trust = trust_policy()
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
        if not json_equal(role["AssumeRolePolicyDocument"], trust):
            iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))
            result.actions.append(f"updated trust policy of {role_name}")
    except ClientError as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        role = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(trust),
            Description=ROLE_DESCRIPTION,
            Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        )["Role"]
        result.actions.append(f"created role {role_name}")
    for policy_name, doc in policies.items():
        try:
            current = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
        except ClientError as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
            current = None
        if current is None or not json_equal(current, doc):
            iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(doc))
            result.actions.append(f"put policy {policy_name} on {role_name}")
    return str(role["Arn"])

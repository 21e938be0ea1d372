"""Invoke permissions: API Gateway on the five routes, Bedrock on the agent action group.

Statement ids are fixed (derived from the API id and the route, or from the function's key), so a re-run finds
them instead of adding duplicates; a statement with the same id but another principal or source is replaced; and
when `--api-gateway-id` names another API than before, the old API's statements are removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from concert_tools.deploy.aws_errors import error_code
from concert_tools.deploy.deploy_config import DeployConfig, FunctionResult
from concert_tools.deploy.spec import ALIAS_NAME, BEDROCK, FunctionSpec

APIGW_SID_PREFIX = "concert-api-apigw-"


@dataclass(frozen=True)
class Grant:
    """One invoke permission: on the function (`qualifier` None) or its alias, for `principal` from `source`."""

    qualifier: str | None
    sid: str
    source: str
    principal: str

    @property
    def target(self) -> str:
        """What the permission is on, for messages."""
        return self.qualifier or "function"


def wanted_grants(spec: FunctionSpec, config: DeployConfig, account: str, partition: str) -> list[Grant]:
    """The invoke permissions `spec` should have.

    API Gateway (the five routes, with `--api-gateway-id`): granted on the function and on its `live` alias, so an
    integration may target either ARN, for that function's route only. Bedrock (the agent action group, always):
    granted on the `live` alias, the ARN an action group names, for the agent `BEDROCK_AGENT_ID`, or any agent of
    the account when that is not set.
    """
    region = config.region
    if spec.invoker == BEDROCK:
        agent = config.env.get("BEDROCK_AGENT_ID") or "*"
        source = f"arn:{partition}:bedrock:{region}:{account}:agent/{agent}"
        return [Grant(ALIAS_NAME, f"concert-api-bedrock-{spec.key}-{ALIAS_NAME}", source, spec.invoker)]
    api = config.api_gateway_id
    if not api or not spec.is_route:
        return []
    source = f"arn:{partition}:execute-api:{region}:{account}:{api}/*/{spec.method}{spec.path}"
    sid = f"{APIGW_SID_PREFIX}{api}-{spec.key}"
    return [Grant(None, sid, source, spec.invoker), Grant(ALIAS_NAME, f"{sid}-{ALIAS_NAME}", source, spec.invoker)]


def current_statements(lam: Any, name: str, qualifier: str | None) -> dict[str, dict[str, Any]]:
    """The resource-policy statements on the function (or its alias), by statement id."""
    q = {"Qualifier": qualifier} if qualifier else {}
    try:
        policy = json.loads(lam.get_policy(FunctionName=name, **q)["Policy"])
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        return {}
    suffix = f":function:{name}" + (f":{qualifier}" if qualifier else "")
    return {
        str(s.get("Sid")): s
        for s in policy.get("Statement", [])
        if not isinstance(s.get("Resource"), str) or s["Resource"].endswith(suffix)
    }


def stale_sids(spec: FunctionSpec, config: DeployConfig, grants: list[Grant], current: Mapping[str, Any]) -> list[str]:
    """This deployer's API Gateway statements for another API than `--api-gateway-id` (only when one is given)."""
    if spec.invoker == BEDROCK or not config.api_gateway_id:
        return []
    wanted = {g.sid for g in grants}
    return sorted(sid for sid in current if sid.startswith(APIGW_SID_PREFIX) and sid not in wanted)


def statement_grants(statement: Mapping[str, Any], principal: str, source: str) -> bool:
    """Whether a resource-policy statement lets `principal` invoke with exactly the source ARN `source`."""
    granted = statement.get("Principal")
    services = granted.get("Service") if isinstance(granted, Mapping) else granted
    if principal not in ([services] if isinstance(services, str) else list(services or [])):
        return False
    sources = [
        value
        for test in (statement.get("Condition") or {}).values()
        if isinstance(test, Mapping)
        for key, value in test.items()
        if key.lower() == "aws:sourcearn"
    ]
    return source in sources


def ensure_permissions(
    lam: Any, spec: FunctionSpec, config: DeployConfig, account: str, partition: str, result: FunctionResult
) -> None:
    """Grant the function's invoker (API Gateway or Bedrock) invoke, remove stale API Gateway grants, and write
    nothing when everything is already in place."""
    name = result.name
    who = "Bedrock agents" if spec.invoker == BEDROCK else f"API Gateway {config.api_gateway_id}"
    grants = wanted_grants(spec, config, account, partition)
    qualifiers = sorted({g.qualifier for g in grants}, key=lambda q: q or "")
    for qualifier in qualifiers:
        q = {"Qualifier": qualifier} if qualifier else {}
        here = [g for g in grants if g.qualifier == qualifier]
        existing = current_statements(lam, name, qualifier)
        for sid in stale_sids(spec, config, here, existing):
            lam.remove_permission(FunctionName=name, StatementId=sid, **q)
            result.actions.append(f"removed stale permission {sid} on {qualifier or 'function'}")
        for grant in here:
            if grant.sid in existing:
                if statement_grants(existing[grant.sid], grant.principal, grant.source):
                    continue
                lam.remove_permission(FunctionName=name, StatementId=grant.sid, **q)
            try:
                lam.add_permission(
                    FunctionName=name,
                    StatementId=grant.sid,
                    Action="lambda:InvokeFunction",
                    Principal=grant.principal,
                    SourceArn=grant.source,
                    SourceAccount=account,
                    **q,
                )
                result.actions.append(f"granted {who} invoke on {grant.target} ({grant.sid}: {grant.source})")
            except ClientError as exc:
                if error_code(exc) != "ResourceConflictException":  # added concurrently: already there
                    raise

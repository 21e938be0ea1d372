"""Who and where the deployment runs as: the account and partition (STS), the serverless workgroup's id, and the
policy context they scope. Offline (a dry run without credentials) these are placeholders, listed as unchecked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from concert_tools.deploy.aws_errors import reason
from concert_tools.deploy.deploy_config import DeployConfig
from concert_tools.deploy.policy import PolicyContext

# Stands for the account id in a plan made without credentials.
UNKNOWN_ACCOUNT = "ACCOUNT_ID"


@dataclass
class AccountContext:
    """The account, partition and policy context of a run, and what could not be checked to get them."""

    account: str
    partition: str
    policy: PolicyContext
    unchecked: list[str] = field(default_factory=list)


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to (for ARNs when STS cannot say)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def resolve_account(config: DeployConfig, client: Callable[[str], Any]) -> AccountContext:
    """Ask STS who we are and look up the serverless workgroup's id when one is configured.

    Offline, or when STS fails on a dry run, the account is a placeholder and the failure is recorded as unchecked;
    on a real run an STS failure propagates (nothing can be deployed without it).
    """
    unchecked = list(config.unchecked)
    account, partition = UNKNOWN_ACCOUNT, partition_of(config.region)
    if config.offline:
        unchecked.append("the account id (no AWS credentials found; ARNs show ACCOUNT_ID)")
    else:
        try:
            ident = client("sts").get_caller_identity()
            account, partition = str(ident["Account"]), str(ident["Arn"]).split(":")[1]
        except Exception as exc:
            if not config.dry_run:
                raise
            unchecked.append(f"the account id (STS GetCallerIdentity: {reason(exc)}; ARNs show ACCOUNT_ID)")
    env = config.env
    workgroup_id = None
    workgroup = env.get("REDSHIFT_WORKGROUP_NAME")
    if workgroup and not env.get("REDSHIFT_CLUSTER_ID"):
        if account == UNKNOWN_ACCOUNT:
            unchecked.append(f"the id of workgroup {workgroup!r} (ExecuteStatement scoped to every workgroup)")
        else:
            try:
                wg = client("redshift-serverless").get_workgroup(workgroupName=workgroup)
                workgroup_id = wg["workgroup"]["workgroupId"]
            except Exception as exc:  # not found, no permission, or not emulated: fall back to any workgroup
                unchecked.append(
                    f"the id of workgroup {workgroup!r} ({reason(exc)}); ExecuteStatement is scoped to all "
                    "workgroups of the account instead"
                )
    policy = PolicyContext.from_env(
        env, region=config.region, account=account, partition=partition, workgroup_id=workgroup_id,
        tracing=config.tracing,
    )
    return AccountContext(account, partition, policy, unchecked)

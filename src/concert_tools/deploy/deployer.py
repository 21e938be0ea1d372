"""The deployer: runs one step per kind of resource for each function, and reports.

Order per function: the chat sessions table it is given, created when missing (`sessions_table`), its role
(`roles`), the function itself, code first then configuration, waiting until
`LastUpdateStatus` is Successful after each write (`functions`), a version when $LATEST differs from what `live`
points at and `live` moved to it (`versions`), provisioned concurrency on `live` (`concurrency`), then the invoke
permissions (`permissions`). Every step reads first and writes only what differs, so a re-run writes nothing. A
failure in one function is reported in the summary (`summary`) and the others go on. A dry run writes nothing and
prints the plan (`plan`), offline when there are no credentials.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from concert_tools.deploy.account import UNKNOWN_ACCOUNT, AccountContext, resolve_account
from concert_tools.deploy.alarms import ensure_alarms
from concert_tools.deploy.artifact import Package, upload_package
from concert_tools.deploy.aws_errors import reason
from concert_tools.deploy.concurrency import ensure_provisioned_concurrency
from concert_tools.deploy.deploy_config import DeployConfig, FunctionResult
from concert_tools.deploy.errors import DeployError
from concert_tools.deploy.functions import ensure_function, environment_for
from concert_tools.deploy.permissions import ensure_permissions
from concert_tools.deploy.plan import READ_ONLY_PREFIXES, plan_function, render_plan
from concert_tools.deploy.policy import function_policy, kms_statement, vpc_statements
from concert_tools.deploy.roles import ensure_role
from concert_tools.deploy.sessions_table import ensure_sessions_table
from concert_tools.deploy.spec import FunctionSpec
from concert_tools.deploy.summary import format_summary
from concert_tools.deploy.versions import publish_and_alias

__all__ = [
    "READ_ONLY_PREFIXES",
    "DeployConfig",
    "Deployer",
    "FunctionResult",
    "Package",
    "RunReport",
    "format_summary",
]

Printer = Callable[[str], None]

SESSIONS_ENV = "CONCERT_SESSIONS_TABLE"


@dataclass
class RunReport:
    """What a run did: the per-function results, or for a dry run the plan; and what could not be checked."""

    account: str
    results: list[FunctionResult] = field(default_factory=list)
    plan: list[dict[str, Any]] | None = None
    plan_lines: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every function deployed, or the dry run's plan is complete."""
        if self.plan is not None:
            return not self.unchecked
        return all(r.ok for r in self.results)


class Deployer:
    """Deploys the configured functions with the given boto3 clients factory (`client(service_name)`)."""

    def __init__(
        self,
        config: DeployConfig,
        client: Callable[[str], Any],
        *,
        out: Printer = print,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._client_factory = client
        self._clients: dict[str, Any] = {}
        self.out = out
        self.sleep = sleep
        self.context: AccountContext | None = None

    def client(self, service: str) -> Any:
        """A cached client for `service`."""
        if service not in self._clients:
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    @property
    def account(self) -> str:
        """The account id (after `resolve_context`)."""
        return self.context.account if self.context else ""

    @property
    def partition(self) -> str:
        """The partition (after `resolve_context`)."""
        return self.context.partition if self.context else "aws"

    def resolve_context(self) -> AccountContext:
        """Account, partition and policy context (see `account.resolve_account`)."""
        self.context = resolve_account(self.config, self.client)
        return self.context

    def policy_for(self, spec: FunctionSpec) -> dict[str, Any]:
        """The inline policy of one function: the guide's permissions, plus KMS/VPC statements when configured."""
        assert self.context is not None
        doc = function_policy(spec, self.config.function_name(spec), self.context.policy)
        if self.config.kms_key_arn:
            doc["Statement"].append(kms_statement(self.config.kms_key_arn))
        if self.config.subnet_ids:
            doc["Statement"].extend(vpc_statements(
                region=self.config.region, account=self.context.account, partition=self.context.partition,
                subnet_ids=self.config.subnet_ids, security_group_ids=self.config.security_group_ids))
        return doc

    def environment_for(self, spec: FunctionSpec) -> dict[str, str]:
        """The function's environment variables (values never printed)."""
        return environment_for(self.config, spec)

    def role_arn_for(self, spec: FunctionSpec, result: FunctionResult) -> str:
        """The role the function runs as: --role-arn, or the role this deployer creates."""
        if self.config.role_arn:
            return self.config.role_arn
        name = self.config.function_name(spec)
        policies = {f"{name}-policy": self.policy_for(spec)}
        return ensure_role(self.client("iam"), self.config.role_name(spec), policies, self.config.tags, result)

    def ensure_provisioned_concurrency(self, name: str, wanted: int, result: FunctionResult) -> None:
        """Provisioned concurrency on the `live` alias (see `concurrency`)."""
        ensure_provisioned_concurrency(self.client("lambda"), name, wanted, result)

    def ensure_permissions(self, spec: FunctionSpec, result: FunctionResult) -> None:
        """The function's invoke permissions (see `permissions`)."""
        ensure_permissions(self.client("lambda"), spec, self.config, self.account, self.partition, result)

    def deploy_function(self, spec: FunctionSpec, package: Package) -> FunctionResult:
        """Role, function, version and alias, concurrency, permissions and alarms for one function. Never
        raises."""
        result = FunctionResult(spec.key, self.config.function_name(spec))
        try:
            lam = self.client("lambda")
            sessions = self.config.env.get(SESSIONS_ENV) if SESSIONS_ENV in spec.env_names() else None
            if sessions:
                ensure_sessions_table(self.client("dynamodb"), sessions, self.config.tags, result)
            role_arn = self.role_arn_for(spec, result)
            changed = ensure_function(lam, self.config, spec, role_arn, package, result, self.sleep)
            result.arn = publish_and_alias(lam, result.name, changed, result)
            if self.config.provisioned_concurrency is not None:
                self.ensure_provisioned_concurrency(result.name, self.config.provisioned_concurrency, result)
            self.ensure_permissions(spec, result)
            ensure_alarms(self.client("cloudwatch"), spec, result.name, result)
        except Exception as exc:
            result.error = reason(exc)
        return result

    def plan(self, package: Package | None) -> RunReport:
        """The dry run: the plan for every function (reads AWS where it can, writes nothing)."""
        ctx = self.context or self.resolve_context()
        # Without an identity (offline, or STS refused) the Lambda reads would fail the same way: skip them.
        offline = self.config.offline or ctx.account == UNKNOWN_ACCOUNT
        lam = None if offline else (lambda: self.client("lambda"))
        functions = [plan_function(spec, self.config, ctx, lam, self.policy_for) for spec in self.config.functions]
        package_line = None
        if package is not None:
            where = (
                f"s3://{self.config.s3_bucket}/{self.config.s3_prefix}<sha256>.zip"
                if self.config.s3_bucket
                else "sent directly in the API call"
            )
            package_line = f"{package.path} ({len(package.data):,} bytes, {where})"
        lines = render_plan(self.config, ctx, package_line, functions)
        return RunReport(ctx.account, plan=functions, plan_lines=lines, unchecked=list(ctx.unchecked))

    def run(self, package: Package | None) -> RunReport:
        """Deploy every configured function (or, with dry_run, only plan); report what happened.

        Raises DeployError when a real run cannot start (no identity from STS).
        """
        if self.config.dry_run:
            return self.plan(package)
        try:
            ctx = self.resolve_context()
        except Exception as exc:
            raise DeployError(f"could not identify the AWS account (STS GetCallerIdentity): {reason(exc)}") from exc
        for note in ctx.unchecked:
            self.out(f"note: could not check {note}")
        assert package is not None
        try:
            package = upload_package(
                lambda: self.client("s3"), package, self.config.s3_bucket, self.config.s3_prefix, self.out
            )
        except Exception as exc:
            why = reason(exc)
            failed = [FunctionResult(s.key, self.config.function_name(s), error=why) for s in self.config.functions]
            return RunReport(ctx.account, results=failed, unchecked=list(ctx.unchecked))
        results = []
        for spec in self.config.functions:
            self.out(f"Deploying {self.config.function_name(spec)} ...")
            result = self.deploy_function(spec, package)
            for action in result.actions or (["unchanged"] if result.ok else []):
                self.out(f"  {action}")
            results.append(result)
        return RunReport(ctx.account, results=results, unchecked=list(ctx.unchecked))

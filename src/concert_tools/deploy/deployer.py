"""The deployer: roles, functions, versions, the `live` alias, provisioned concurrency and invoke permissions
(API Gateway for the routes, Bedrock for the agent action group), each step idempotent (it reads first and writes
only what differs), and the guide's summary.

Order per function: code first (wait until `LastUpdateStatus` is Successful), then configuration (wait again),
then publish a version when $LATEST differs from what `live` points at, then point `live` at it, then
provisioned concurrency on `live`, then the invoke permissions. A failure in one function is reported in the
summary and the others go on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from concert_tools.deploy.package import DIRECT_UPLOAD_LIMIT
from concert_tools.deploy.policy import PolicyContext, function_policy, kms_statement, trust_policy, vpc_statement
from concert_tools.deploy.spec import (
    ALIAS_NAME,
    BEDROCK,
    DEFAULT_ROLE_NAME,
    DEFAULT_STAGE,
    RUNTIME,
    FunctionSpec,
    function_environment,
)

# Operations the deployer may call in --dry-run: reads only. Tests assert nothing else is called.
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head")
SUMMARY_RULE = "=" * 40
Printer = Callable[[str], None]


@dataclass
class DeployConfig:
    """Everything one deployment run needs, from the command line and the env file."""

    region: str
    functions: list[FunctionSpec]
    env: dict[str, str] = field(default_factory=dict)
    stage: str = DEFAULT_STAGE
    role_arn: str | None = None
    shared_role: bool = False
    s3_bucket: str | None = None
    s3_prefix: str = "concert-api/"
    api_gateway_id: str | None = None
    provisioned_concurrency: int | None = None
    kms_key_arn: str | None = None
    subnet_ids: list[str] = field(default_factory=list)
    security_group_ids: list[str] = field(default_factory=list)
    architecture: str = "x86_64"
    runtime: str = RUNTIME
    log_level: str | None = None
    dry_run: bool = False
    role_propagation_timeout: float = 90.0
    waiter_delay: int = 2
    tags: dict[str, str] = field(default_factory=lambda: {"project": "concert-api"})

    def function_name(self, spec: FunctionSpec) -> str:
        """The function's name for this stage."""
        return spec.name(self.stage)

    def role_name(self, spec: FunctionSpec) -> str:
        """The execution role created for `spec` (one per function, or the shared one with --shared-role)."""
        suffix = "" if self.stage == DEFAULT_STAGE else f"-{self.stage}"
        if self.shared_role:
            return f"{DEFAULT_ROLE_NAME}{suffix}"
        return f"{DEFAULT_ROLE_NAME}-{spec.key}{suffix}"


@dataclass
class FunctionResult:
    """The outcome for one function, as the summary prints it."""

    key: str
    name: str
    arn: str | None = None
    error: str | None = None
    actions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Package:
    """The zip to deploy: its bytes, or where it lies in S3."""

    path: Path
    data: bytes
    s3_bucket: str | None = None
    s3_key: str | None = None

    @property
    def code_sha256(self) -> str:
        """The digest Lambda reports as CodeSha256 (base64 of the SHA-256)."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()

    def code(self) -> dict[str, Any]:
        """The `Code`/UpdateFunctionCode arguments."""
        if self.s3_bucket and self.s3_key:
            return {"S3Bucket": self.s3_bucket, "S3Key": self.s3_key}
        return {"ZipFile": self.data}


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, str):
        a = json.loads(a)
    if isinstance(b, str):
        b = json.loads(b)
    return bool(a == b)


def format_summary(results: list[FunctionResult]) -> str:
    """The guide's DEPLOYMENT SUMMARY block: one entry per function, SUCCESS or FAILED with the reason."""
    lines = [SUMMARY_RULE, "DEPLOYMENT SUMMARY", SUMMARY_RULE, ""]
    for r in results:
        lines.append(f"{r.key}: {'SUCCESS' if r.ok else 'FAILED'}")
        lines.append(f"  Function Name: {r.name}")
        if r.ok:
            lines.append(f"  Function ARN: {r.arn}")
        else:
            lines.append(f"  Error: {r.error}")
        lines.append("")
    lines.append(SUMMARY_RULE)
    return "\n".join(lines)


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
        self.account = ""
        self.partition = "aws"
        self.policy_context: PolicyContext | None = None

    def client(self, service: str) -> Any:
        """A cached client for `service`."""
        if service not in self._clients:
            self._clients[service] = self._client_factory(service)
        return self._clients[service]

    # ---------------------------------------------------------------------------------------- context

    def resolve_context(self) -> PolicyContext:
        """Account and partition from STS; the serverless workgroup's id when a workgroup is configured."""
        ident = self.client("sts").get_caller_identity()
        self.account = ident["Account"]
        self.partition = ident["Arn"].split(":")[1]
        env = self.config.env
        workgroup_id = None
        if env.get("REDSHIFT_WORKGROUP_NAME") and not env.get("REDSHIFT_CLUSTER_ID"):
            try:
                wg = self.client("redshift-serverless").get_workgroup(workgroupName=env["REDSHIFT_WORKGROUP_NAME"])
                workgroup_id = wg["workgroup"]["workgroupId"]
            except Exception as exc:  # not found, no permission, or not emulated: fall back to any workgroup
                self.out(
                    f"note: could not look up workgroup {env['REDSHIFT_WORKGROUP_NAME']!r} ({exc}); "
                    "ExecuteStatement is scoped to all workgroups of the account instead"
                )
        self.policy_context = PolicyContext.from_env(
            env, region=self.config.region, account=self.account, partition=self.partition, workgroup_id=workgroup_id
        )
        return self.policy_context

    def policy_for(self, spec: FunctionSpec) -> dict[str, Any]:
        """The inline policy of one function: the guide's permissions, plus KMS/VPC statements when configured."""
        assert self.policy_context is not None
        doc = function_policy(spec, self.config.function_name(spec), self.policy_context)
        if self.config.kms_key_arn:
            doc["Statement"].append(kms_statement(self.config.kms_key_arn))
        if self.config.subnet_ids:
            doc["Statement"].append(vpc_statement())
        return doc

    def environment_for(self, spec: FunctionSpec) -> dict[str, str]:
        """The function's environment variables (values never printed)."""
        return function_environment(spec, self.config.env, self.config.log_level)

    # ---------------------------------------------------------------------------------------- roles

    def ensure_role(self, role_name: str, policies: Mapping[str, dict[str, Any]], result: FunctionResult) -> str:
        """Create or update `role_name` with Lambda's trust policy and the given inline policies; return its ARN."""
        iam = self.client("iam")
        trust = trust_policy()
        try:
            role = iam.get_role(RoleName=role_name)["Role"]
            if not _json_equal(role["AssumeRolePolicyDocument"], trust):
                iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))
                result.actions.append(f"updated trust policy of {role_name}")
        except ClientError as exc:
            if _error_code(exc) != "NoSuchEntity":
                raise
            role = iam.create_role(
                RoleName=role_name,
                AssumeRolePolicyDocument=json.dumps(trust),
                Description="Execution role of the concert-api Lambda functions (least privilege, per function)",
                Tags=[{"Key": k, "Value": v} for k, v in sorted(self.config.tags.items())],
            )["Role"]
            result.actions.append(f"created role {role_name}")
        for policy_name, doc in policies.items():
            try:
                current = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
            except ClientError as exc:
                if _error_code(exc) != "NoSuchEntity":
                    raise
                current = None
            if current is None or not _json_equal(current, doc):
                iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(doc))
                result.actions.append(f"put policy {policy_name} on {role_name}")
        return str(role["Arn"])

    def role_arn_for(self, spec: FunctionSpec, result: FunctionResult) -> str:
        """The role the function runs as: --role-arn, or the role this deployer creates."""
        if self.config.role_arn:
            return self.config.role_arn
        name = self.config.function_name(spec)
        return self.ensure_role(self.config.role_name(spec), {f"{name}-policy": self.policy_for(spec)}, result)

    # ---------------------------------------------------------------------------------------- package

    def upload_package(self, package: Package) -> Package:
        """Put the zip in S3 under a content-addressed key when a bucket is given or it is too big to send."""
        bucket = self.config.s3_bucket
        if not bucket:
            if len(package.data) > DIRECT_UPLOAD_LIMIT:
                raise RuntimeError(
                    f"the package is {len(package.data) / 1e6:.1f} MB, over Lambda's 50 MB direct-upload limit; "
                    "pass --s3-bucket BUCKET (or set LAMBDA_DEPLOYMENT_BUCKET in the env file)"
                )
            return package
        digest = hashlib.sha256(package.data).hexdigest()
        key = f"{self.config.s3_prefix}{digest}.zip"
        s3 = self.client("s3")
        try:
            s3.head_object(Bucket=bucket, Key=key)
            self.out(f"Package already in s3://{bucket}/{key}")
        except ClientError as exc:
            if _error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
                raise
            s3.put_object(Bucket=bucket, Key=key, Body=package.data, ContentType="application/zip")
            self.out(f"Uploaded package to s3://{bucket}/{key}")
        package.s3_bucket, package.s3_key = bucket, key
        return package

    # ---------------------------------------------------------------------------------------- functions

    def _wait(self, waiter_name: str, function_name: str, qualifier: str | None = None) -> None:
        waiter = self.client("lambda").get_waiter(waiter_name)
        kwargs: dict[str, Any] = {"FunctionName": function_name}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        try:
            waiter.wait(**kwargs, WaiterConfig={"Delay": self.config.waiter_delay, "MaxAttempts": 150})
        except WaiterError as exc:
            last = (exc.last_response or {}).get("Configuration", {})
            reason = last.get("LastUpdateStatusReason") or last.get("StateReason") or str(exc)
            raise RuntimeError(f"{function_name} did not become ready: {reason}") from exc

    def desired_configuration(self, spec: FunctionSpec, role_arn: str) -> dict[str, Any]:
        """The UpdateFunctionConfiguration arguments for one function."""
        cfg: dict[str, Any] = {
            "FunctionName": self.config.function_name(spec),
            "Role": role_arn,
            "Handler": spec.handler,
            "Runtime": self.config.runtime,
            "Description": spec.description,
            "Timeout": spec.timeout_s,
            "MemorySize": spec.memory_mb,
            "Environment": {"Variables": self.environment_for(spec)},
            "KMSKeyArn": self.config.kms_key_arn or "",
            "VpcConfig": {
                "SubnetIds": list(self.config.subnet_ids),
                "SecurityGroupIds": list(self.config.security_group_ids),
            },
        }
        return cfg

    @staticmethod
    def configuration_differs(current: Mapping[str, Any], desired: Mapping[str, Any]) -> list[str]:
        """The names of the settings that differ between a GetFunctionConfiguration answer and `desired`."""
        diffs = []
        for key in ("Role", "Handler", "Runtime", "Description", "Timeout", "MemorySize"):
            if current.get(key) != desired[key]:
                diffs.append(key)
        if (current.get("Environment") or {}).get("Variables", {}) != desired["Environment"]["Variables"]:
            diffs.append("Environment")
        if (current.get("KMSKeyArn") or "") != desired["KMSKeyArn"]:
            diffs.append("KMSKeyArn")
        vpc = current.get("VpcConfig") or {}
        if sorted(vpc.get("SubnetIds") or []) != sorted(desired["VpcConfig"]["SubnetIds"]) or sorted(
            vpc.get("SecurityGroupIds") or []
        ) != sorted(desired["VpcConfig"]["SecurityGroupIds"]):
            diffs.append("VpcConfig")
        return diffs

    def _create_function(self, spec: FunctionSpec, role_arn: str, package: Package) -> dict[str, Any]:
        lam = self.client("lambda")
        desired = self.desired_configuration(spec, role_arn)
        args = {k: v for k, v in desired.items() if k not in ("KMSKeyArn", "VpcConfig")}
        if self.config.kms_key_arn:
            args["KMSKeyArn"] = self.config.kms_key_arn
        if self.config.subnet_ids:
            args["VpcConfig"] = desired["VpcConfig"]
        args.update(
            Code=package.code(),
            Architectures=[self.config.architecture],
            Publish=False,
            PackageType="Zip",
            Tags=dict(self.config.tags),
        )
        deadline = time.monotonic() + self.config.role_propagation_timeout
        delay = 2.0
        while True:
            try:
                return dict(lam.create_function(**args))
            except ClientError as exc:
                # A role created seconds ago is not yet assumable by Lambda (IAM is eventually consistent).
                message = str(exc)
                if (
                    _error_code(exc) == "InvalidParameterValueException"
                    and "assume" in message
                    and (time.monotonic() < deadline)
                ):
                    self.sleep(delay)
                    delay = min(delay * 1.5, 10.0)
                    continue
                raise

    def deploy_function(self, spec: FunctionSpec, package: Package) -> FunctionResult:
        """Create or update one function, publish, alias, concurrency and permissions. Never raises."""
        name = self.config.function_name(spec)
        result = FunctionResult(spec.key, name)
        try:
            self._deploy_function(spec, package, result)
        except Exception as exc:
            result.error = _reason(exc)
        return result

    def _deploy_function(self, spec: FunctionSpec, package: Package, result: FunctionResult) -> None:
        lam = self.client("lambda")
        name = result.name
        role_arn = self.role_arn_for(spec, result)
        try:
            current = lam.get_function(FunctionName=name)["Configuration"]
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            current = None
        changed = False
        if current is None:
            current = self._create_function(spec, role_arn, package)
            result.actions.append("created function")
            self._wait("function_active_v2", name)
            changed = True
        else:
            arch = (current.get("Architectures") or ["x86_64"])[0]
            if current.get("CodeSha256") != package.code_sha256 or arch != self.config.architecture:
                self._wait("function_updated_v2", name)  # a previous update may still be in progress
                lam.update_function_code(FunctionName=name, Architectures=[self.config.architecture], **package.code())
                result.actions.append("updated code")
                self._wait("function_updated_v2", name)
                changed = True
            desired = self.desired_configuration(spec, role_arn)
            diffs = self.configuration_differs(lam.get_function_configuration(FunctionName=name), desired)
            if diffs:
                update = {k: v for k, v in desired.items() if k not in ("KMSKeyArn", "VpcConfig") or k in diffs}
                lam.update_function_configuration(**update)
                result.actions.append(f"updated configuration ({', '.join(diffs)})")
                self._wait("function_updated_v2", name)
                changed = True
        result.arn = self._publish_and_alias(name, changed, result)
        if self.config.provisioned_concurrency is not None:
            self.ensure_provisioned_concurrency(name, self.config.provisioned_concurrency, result)
        self.ensure_permissions(spec, name, result)

    def _publish_and_alias(self, name: str, changed: bool, result: FunctionResult) -> str:
        """Publish a version when $LATEST differs from the alias's version; point `live` at it."""
        lam = self.client("lambda")
        try:
            alias = lam.get_alias(FunctionName=name, Name=ALIAS_NAME)
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            alias = None
        latest = lam.get_function_configuration(FunctionName=name)
        target = alias["FunctionVersion"] if alias else None
        if alias and not changed and target != "$LATEST":
            aliased = lam.get_function_configuration(FunctionName=name, Qualifier=target)
            if not self._same_revision(aliased, latest):
                changed = True
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
        return ":".join(str(latest["FunctionArn"]).split(":")[:7])  # the unqualified function ARN

    @staticmethod
    def _same_revision(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        keys = ("CodeSha256", "Handler", "Runtime", "MemorySize", "Timeout", "Role")
        env_a = (a.get("Environment") or {}).get("Variables", {})
        env_b = (b.get("Environment") or {}).get("Variables", {})
        return all(a.get(k) == b.get(k) for k in keys) and env_a == env_b

    def ensure_provisioned_concurrency(self, name: str, wanted: int, result: FunctionResult) -> None:
        """Provisioned concurrency on the `live` alias (never on $LATEST, which AWS refuses); 0 removes it."""
        lam = self.client("lambda")
        try:
            current = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=ALIAS_NAME)
            requested = current.get("RequestedProvisionedConcurrentExecutions")
        except ClientError as exc:
            if _error_code(exc) != "ProvisionedConcurrencyConfigNotFoundException":
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

    def permission_statements(self, spec: FunctionSpec) -> list[tuple[str | None, str, str]]:
        """(qualifier, statement id, source ARN) of each invoke permission for `spec`, for its principal.

        API Gateway (the five routes, with `--api-gateway-id`): granted on the function and on its `live` alias,
        so an integration may target either ARN, for that function's route only. Bedrock (the agent action group,
        always): granted on the `live` alias, the ARN an action group names, for the agent `BEDROCK_AGENT_ID`, or
        any agent of the account when that is not set. Statement ids are fixed (derived from the API id and the
        route, or from the function's key), so a re-run finds them instead of adding duplicates.
        """
        region, account, partition = self.config.region, self.account, self.partition
        if spec.invoker == BEDROCK:
            agent = self.config.env.get("BEDROCK_AGENT_ID") or "*"
            source = f"arn:{partition}:bedrock:{region}:{account}:agent/{agent}"
            return [(ALIAS_NAME, f"concert-api-bedrock-{spec.key}-{ALIAS_NAME}", source)]
        api = self.config.api_gateway_id
        if not api or not spec.is_route:
            return []
        source = f"arn:{partition}:execute-api:{region}:{account}:{api}/*/{spec.method}{spec.path}"
        sid = f"concert-api-apigw-{api}-{spec.key}"
        return [(None, sid, source), (ALIAS_NAME, f"{sid}-{ALIAS_NAME}", source)]

    def ensure_permissions(self, spec: FunctionSpec, name: str, result: FunctionResult) -> None:
        """Let the function's invoker (API Gateway or Bedrock) invoke it, without duplicating statements on re-runs.

        A statement with the same id but another principal or source is replaced.
        """
        lam = self.client("lambda")
        who = "Bedrock agents" if spec.invoker == BEDROCK else f"API Gateway {self.config.api_gateway_id}"
        for qualifier, sid, source in self.permission_statements(spec):
            q = {"Qualifier": qualifier} if qualifier else {}
            existing: dict[str, Any] = {}
            try:
                policy = json.loads(lam.get_policy(FunctionName=name, **q)["Policy"])
                existing = {s.get("Sid"): s for s in policy.get("Statement", [])}
            except ClientError as exc:
                if _error_code(exc) != "ResourceNotFoundException":
                    raise
            if sid in existing:
                if _statement_grants(existing[sid], spec.invoker, source):
                    continue
                lam.remove_permission(FunctionName=name, StatementId=sid, **q)
            try:
                lam.add_permission(
                    FunctionName=name,
                    StatementId=sid,
                    Action="lambda:InvokeFunction",
                    Principal=spec.invoker,
                    SourceArn=source,
                    SourceAccount=self.account,
                    **q,
                )
                result.actions.append(f"granted {who} invoke on {qualifier or 'function'} ({sid}: {source})")
            except ClientError as exc:
                if _error_code(exc) != "ResourceConflictException":  # added concurrently: already there
                    raise

    # ---------------------------------------------------------------------------------------- the run

    def plan(self, package: Package | None) -> list[str]:
        """The human-readable plan: what would be created or updated (reads AWS, writes nothing)."""
        lam = self.client("lambda")
        lines = [f"Plan for stage {self.config.stage!r} in {self.config.region} (account {self.account}):"]
        if package is not None:
            where = (
                f"s3://{self.config.s3_bucket}/{self.config.s3_prefix}<sha256>.zip"
                if self.config.s3_bucket
                else "sent directly in the API call"
            )
            lines.append(f"  package: {package.path} ({len(package.data):,} bytes, {where})")
        for spec in self.config.functions:
            name = self.config.function_name(spec)
            try:
                lam.get_function(FunctionName=name)
                verb = "update"
            except ClientError as exc:
                if _error_code(exc) != "ResourceNotFoundException":
                    raise
                verb = "create"
            env = self.environment_for(spec)
            lines.append(
                f"  {verb} {name}: handler {spec.handler}, {self.config.runtime}/{self.config.architecture},"
                f" {spec.memory_mb} MB, {spec.timeout_s} s, alias {ALIAS_NAME}"
            )
            lines.append(f"    environment (names only): {', '.join(env)}")
            if self.config.role_arn:
                lines.append(f"    role: {self.config.role_arn} (given; not modified)")
            else:
                lines.append(f"    role: {self.config.role_name(spec)} with inline policy {name}-policy:")
                for line in json.dumps(self.policy_for(spec), indent=2).splitlines():
                    lines.append(f"      {line}")
            if self.config.provisioned_concurrency is not None:
                lines.append(f"    provisioned concurrency on {ALIAS_NAME}: {self.config.provisioned_concurrency}")
            for qualifier, sid, source in self.permission_statements(spec):
                lines.append(f"    permission {sid} for {spec.invoker} on {qualifier or 'function'}: {source}")
        lines.append("Dry run: nothing was changed.")
        return lines

    def run(self, package: Package | None) -> list[FunctionResult]:
        """Deploy every configured function (or only print the plan with dry_run); return the results."""
        try:
            self.resolve_context()
        except Exception as exc:
            reason = _reason(exc) + " (check your AWS credentials and --region)"
            return [FunctionResult(s.key, self.config.function_name(s), error=reason) for s in self.config.functions]
        if self.config.dry_run:
            for line in self.plan(package):
                self.out(line)
            return []
        assert package is not None
        try:
            package = self.upload_package(package)
        except Exception as exc:
            reason = _reason(exc)
            return [FunctionResult(s.key, self.config.function_name(s), error=reason) for s in self.config.functions]
        results = []
        for spec in self.config.functions:
            self.out(f"Deploying {self.config.function_name(spec)} ...")
            result = self.deploy_function(spec, package)
            for action in result.actions or (["unchanged"] if result.ok else []):
                self.out(f"  {action}")
            results.append(result)
        return results


def _statement_grants(statement: Mapping[str, Any], principal: str, source: str) -> bool:
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


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, msg = err.get("Code", "Error"), err.get("Message", str(exc))
        hint = {
            "AccessDeniedException": " (the deploying identity lacks a permission; see docs/deploy.md)",
            "AccessDenied": " (the deploying identity lacks a permission; see docs/deploy.md)",
            "ExpiredToken": " (refresh your AWS credentials)",
            "ResourceConflictException": " (another update is in progress; re-run in a minute)",
        }.get(str(code), "")
        return f"{code}: {msg}{hint}"
    return str(exc) or type(exc).__name__

"""The deployer's command line, behind `concert-api deploy` and the guide's `infrastructure/deploy_api_lambdas.py`
and `.sh`: options in, exit status out (the click definitions live in `concert_tools.cli.deploy_commands`).

Exit status: 0 everything deployed (or a dry run's plan is complete), 1 a function failed, AWS refused, or the
plan could not be checked whole, 2 bad arguments, a missing env file or a package that could not be built.
Relative paths (`--env-file`, `--package`, `--deps-dir`, `--zip-path`) are the caller's: they resolve from the
current directory. Region and credentials come from the standard AWS chain (`--profile`, AWS_REGION,
AWS_DEFAULT_REGION, `~/.aws/config`), then the env file's AWS_REGION, then us-east-1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from concert_tools.deploy.artifact import Package
from concert_tools.deploy.aws_errors import reason
from concert_tools.deploy.deploy_config import DeployConfig
from concert_tools.deploy.deployer import Deployer, RunReport
from concert_tools.deploy.errors import DeployError, PackageError
from concert_tools.deploy.package import BuildResult, build_package
from concert_tools.deploy.spec import DEFAULT_STAGE, FunctionSpec, read_env_file
from concert_tools.deploy.summary import format_summary, summary_json

DEFAULT_REGION = "us-east-1"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
ClientFactory = Callable[[str], Any]


class UsageProblem(DeployError):
    """A problem with the command line or the files it names (exit status 2)."""


@dataclass
class BuildOptions:
    """The package builder's options (`concert-api deploy package --help`)."""

    architecture: str = "x86_64"
    python_version: str = "3.12"
    include_boto3: bool = False
    deps_dir: Path | None = None
    deps_from_site_packages: bool = False
    skip_deps: bool = False
    compile_python: str | None = None
    bytecode: bool = True
    prune: bool = True
    zip_path: Path | None = None

    def build(self, log: Callable[[str], None]) -> BuildResult:
        """Build the zip with these options."""
        return build_package(
            self.zip_path,
            python_version=self.python_version,
            architecture=self.architecture,
            include_boto3=self.include_boto3,
            deps_dir=self.deps_dir,
            deps_from_site_packages=self.deps_from_site_packages,
            skip_deps=self.skip_deps,
            compile_python=self.compile_python,
            bytecode=self.bytecode,
            prune=self.prune,
            log=log,
        )


@dataclass
class DeployOptions:
    """Everything `concert-api deploy` was asked to do."""

    functions: list[FunctionSpec]
    build: BuildOptions = field(default_factory=BuildOptions)
    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    shared_role: bool = False
    s3_bucket: str | None = None
    s3_prefix: str = "concert-api/"
    api_gateway_id: str | None = None
    dry_run: bool = False
    stage: str = DEFAULT_STAGE
    env_file: Path = Path(".env")
    use_env_file: bool = True
    log_level: str | None = None
    provisioned_concurrency: int | None = None
    kms_key_arn: str | None = None
    tracing: bool = True
    subnet_ids: list[str] = field(default_factory=list)
    security_group_ids: list[str] = field(default_factory=list)
    runtime: str | None = None
    endpoint_url: str | None = None
    package_only: bool = False
    package: Path | None = None
    output: str = "text"


def resolve_region(flag: str | None, session_region: str | None, env: dict[str, str]) -> tuple[str, str]:
    """The region and where it came from: --region, AWS_REGION, the session (AWS_DEFAULT_REGION, the profile's
    config), the env file's AWS_REGION, then us-east-1."""
    for value, source in (
        (flag, "--region"),
        (os.environ.get("AWS_REGION"), "AWS_REGION"),
        (session_region, "AWS_DEFAULT_REGION or the AWS config profile"),
        (env.get("AWS_REGION"), "the env file"),
    ):
        if value:
            return value, source
    return DEFAULT_REGION, "the default; pass --region to choose"


def load_env(options: DeployOptions, unchecked: list[str]) -> dict[str, str]:
    """The env file's settings, read from the caller's directory. A real run without one would strip the
    functions' REDSHIFT_*/BEDROCK_*/SAGEMAKER_* settings, so it refuses; a dry run notes it."""
    if not options.use_env_file:
        return {}
    path = options.env_file.expanduser().absolute()
    if not path.is_file():
        message = (
            f"no env file at {path}: the functions would get none of their REDSHIFT_*/BEDROCK_*/SAGEMAKER_* "
            "settings. Run from the folder holding .env, pass --env-file PATH, or --no-env-file to deploy without"
        )
        if not options.dry_run:
            raise UsageProblem(message)
        unchecked.append(message)
        return {}
    return read_env_file(path)


def make_session(profile: str | None) -> Any:
    """A boto3 session on the standard credential and region chain, with `profile` when given."""
    import boto3

    try:
        return boto3.session.Session(profile_name=profile)
    except Exception as exc:  # ProfileNotFound and friends
        raise UsageProblem(reason(exc)) from exc


def session_client_factory(session: Any, region: str, endpoint_url: str | None, dry_run: bool) -> ClientFactory:
    """boto3 clients from `session` in `region`; a dry run gives up on an unreachable AWS quickly."""
    from botocore.config import Config

    if dry_run:
        cfg = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 2})
    else:
        cfg = Config(retries={"mode": "standard", "max_attempts": 8})
    cfg = cfg.merge(Config(user_agent_extra="concert-api-deployer"))

    def client(service: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url, config=cfg)

    return client


def has_credentials(session: Any) -> bool:
    """Whether the standard chain finds credentials (a broken profile counts as none, with its reason)."""
    try:
        return session.get_credentials() is not None
    except Exception as exc:
        raise UsageProblem(reason(exc)) from exc


def load_package(options: DeployOptions, log: Callable[[str], None]) -> Package:
    """The prebuilt zip (`--package`, from the caller's directory) or a fresh build."""
    if options.package:
        path = options.package.expanduser().absolute()
        if not path.is_file():
            raise PackageError(f"--package {path} does not exist; build it with `concert-api deploy package`")
    else:
        result = options.build.build(log)
        log(result.describe())
        path = result.path
    return Package(path=path, data=path.read_bytes())


def aws_access(
    options: DeployOptions, env: dict[str, str], client_factory: ClientFactory | None
) -> tuple[str, str, bool, ClientFactory]:
    """Region (and where it came from), whether there are no credentials, and the client factory: from the
    standard AWS chain, unless a factory is given (tests). A real run without credentials stops here, before any
    build."""
    if client_factory is not None:
        region, source = resolve_region(options.region, None, env)
        return region, source, False, client_factory
    session = make_session(options.profile)
    region, source = resolve_region(options.region, session.region_name, env)
    offline = not has_credentials(session)
    if offline and not options.dry_run:
        raise DeployError(
            "no AWS credentials found (configure them with `aws configure`, AWS_PROFILE or --profile, or "
            "environment variables; --dry-run plans without them)"
        )
    return region, source, offline, session_client_factory(session, region, options.endpoint_url, options.dry_run)


def deploy_config(options: DeployOptions, env: dict[str, str], region: str) -> DeployConfig:
    """The run's configuration: the flags, with the guide's env file keys as defaults."""
    return DeployConfig(
        region=region,
        functions=options.functions,
        env=env,
        stage=options.stage,
        role_arn=options.role_arn or env.get("LAMBDA_EXECUTION_ROLE_ARN") or None,
        shared_role=options.shared_role,
        s3_bucket=options.s3_bucket or env.get("LAMBDA_DEPLOYMENT_BUCKET") or None,
        s3_prefix=options.s3_prefix,
        api_gateway_id=options.api_gateway_id or env.get("API_GATEWAY_ID") or None,
        provisioned_concurrency=options.provisioned_concurrency,
        kms_key_arn=options.kms_key_arn,
        tracing=options.tracing,
        subnet_ids=options.subnet_ids,
        security_group_ids=options.security_group_ids,
        architecture=options.build.architecture,
        runtime=options.runtime or f"python{options.build.python_version}",
        log_level=options.log_level,
        dry_run=options.dry_run,
    )


def run_deploy(
    options: DeployOptions,
    *,
    client_factory: ClientFactory | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Build (or load) the package, deploy or plan, print the summary; return the exit status. Never raises:
    every failure is one line on stderr (and a JSON document on stdout with `--output json`)."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    as_json = options.output == "json"

    def progress(line: str) -> None:
        print(line, file=stderr if as_json else stdout, flush=True)

    region = options.region or DEFAULT_REGION
    try:
        if options.package_only:
            load_package(options, progress)
            return EXIT_OK
        unchecked: list[str] = []
        env = load_env(options, unchecked)
        region, source, offline, factory = aws_access(options, env, client_factory)
        progress(f"Region: {region} (from {source})")
        package = load_package(options, progress) if options.package or not options.dry_run else None
        config = deploy_config(options, env, region)
        config.offline, config.unchecked = offline, unchecked
        report = Deployer(config, factory, out=progress).run(package)
    except Exception as exc:
        usage = isinstance(exc, UsageProblem | PackageError)
        message = str(exc) if isinstance(exc, DeployError | PackageError) else reason(exc)
        print(f"error: {message}", file=stderr)
        if as_json:
            print(summary_json(region=region, account=None, error=message), file=stdout)
        return EXIT_USAGE if usage else EXIT_FAILED
    _print_report(report, options, region, stdout)
    return EXIT_OK if report.ok else EXIT_FAILED


def _print_report(report: RunReport, options: DeployOptions, region: str, stdout: TextIO) -> None:
    if options.output == "json":
        print(
            summary_json(
                region=region,
                account=report.account,
                results=report.results,
                plan=report.plan,
                unchecked=report.unchecked,
            ),
            file=stdout,
        )
        return
    if report.plan is not None:
        print("\n".join(report.plan_lines), file=stdout)
        return
    print(file=stdout)
    print(format_summary(report.results), file=stdout)

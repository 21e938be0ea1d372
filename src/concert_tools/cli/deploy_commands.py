"""`concert-api deploy`: build the Lambda package and create or update the functions, idempotently.

The same command is the guide's `infrastructure/deploy_api_lambdas.py` and `.sh` (the guide's flags `--region`,
`--role-arn`, `--s3-bucket`, `--api-gateway-id`, and the rest). `concert-api deploy package` only builds the zip.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from concert_tools.deploy.spec import DEFAULT_STAGE, FUNCTIONS, OPTIONAL_FUNCTIONS, RUNTIME, select_functions

if TYPE_CHECKING:
    from concert_tools.deploy.cli import ClientFactory

OUTPUT_FORMATS = ("text", "json")

EPILOG = (
    "\b\nExamples:\n"
    "  deploy --region us-east-1                                  # create roles, deploy all five\n"
    "  deploy --region us-east-1 --role-arn arn:aws:iam::123456789012:role/LambdaRole\n"
    "  deploy --region us-east-1 --s3-bucket my-lambda-deployments\n"
    "  deploy --region us-east-1 --api-gateway-id abc123xyz\n"
    "  deploy --dry-run --functions chatbot,health-check --stage dev   # works offline too\n"
    "  deploy --region us-east-1 --with-agent-actions             # the five and the Bedrock agent action group\n"
    "  deploy --profile prod --output json                        # credentials and region from a profile\n"
    "  deploy package                                             # build the zip for `sam deploy`\n"
    "\n\b\nFunctions: "
    + ", ".join(f.key for f in FUNCTIONS)
    + "; optional, deployed only when named or with --with-agent-actions: "
    + ", ".join(f.key for f in OPTIONAL_FUNCTIONS)
    + ".\n\n\b\nExit status: 0 all deployed (or the dry run's plan is complete), 1 a function failed, AWS refused"
    " or the plan is incomplete, 2 bad arguments, no env file or the package could not be built."
)


def _csv(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _output(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """`--output text|json`; an older `--output PATH` (the zip's path) still works, as `--zip-path`."""
    if value is None or value in OUTPUT_FORMATS:
        return value or "text"
    click.echo(f"note: --output {value} is read as --zip-path {value} (use --zip-path for the zip)", err=True)
    ctx.meta["legacy_zip_path"] = Path(value)
    return "text"


def build_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The package builder's flags, shared by `deploy` and `deploy package`."""
    for decorator in reversed(
        [
            click.option(
                "--architecture",
                type=click.Choice(["x86_64", "arm64"]),
                default="x86_64",
                show_default=True,
                help="Lambda architecture; picks the wheels' platform.",
            ),
            click.option(
                "--python-version", default="3.12", show_default=True, help="Lambda Python version (python3.12)."
            ),
            click.option(
                "--include-boto3",
                is_flag=True,
                help="Ship boto3/botocore in the zip instead of using the runtime's (pins the SDK version).",
            ),
            click.option(
                "--deps-dir",
                type=click.Path(file_okay=False, exists=True, path_type=Path),
                help="Use this pre-populated dependency directory (offline builds).",
            ),
            click.option(
                "--deps-from-site-packages",
                is_flag=True,
                help="Copy dependencies from this interpreter (only when it matches the Lambda Python/platform).",
            ),
            click.option("--skip-deps", is_flag=True, help="Ship no third-party dependencies (e.g. from a layer)."),
            click.option("--compile-python", help="Interpreter that compiles bytecode (default: python<version>)."),
            click.option("--no-bytecode", is_flag=True, help="Ship sources only (every cold start compiles)."),
            click.option(
                "--no-prune", is_flag=True, help="Ship the dependencies whole (default: leave out unused parts)."
            ),
            click.option(
                "--zip-path",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Where to write the zip (default: build/lambda/concert-api-lambda-py<version>-<arch>.zip).",
            ),
        ]
    ):
        command = decorator(command)
    return command


def _build(ctx: click.Context, kw: dict[str, Any]) -> Any:
    from concert_tools.deploy.cli import BuildOptions

    return BuildOptions(
        architecture=kw["architecture"],
        python_version=kw["python_version"],
        include_boto3=kw["include_boto3"],
        deps_dir=kw["deps_dir"],
        deps_from_site_packages=kw["deps_from_site_packages"],
        skip_deps=kw["skip_deps"],
        compile_python=kw["compile_python"],
        bytecode=not kw["no_bytecode"],
        prune=not kw["no_prune"],
        zip_path=kw["zip_path"] or ctx.meta.get("legacy_zip_path"),
    )


@click.group(
    invoke_without_command=True,
    epilog=EPILOG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.option("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, the env file's).")
@click.option("--profile", help="AWS profile from ~/.aws/config for credentials and region (default: AWS_PROFILE).")
@click.option(
    "--role-arn",
    help="Existing execution role for all functions (default: LAMBDA_EXECUTION_ROLE_ARN; without one, a "
    "least-privilege role per function is created).",
)
@click.option("--shared-role", is_flag=True, help="Create one role holding every function's policy, not one each.")
@click.option(
    "--s3-bucket",
    help="Upload the package here and deploy from S3 (default: LAMBDA_DEPLOYMENT_BUCKET; needed over 50 MB).",
)
@click.option("--s3-prefix", default="concert-api/", show_default=True, help="Key prefix in --s3-bucket.")
@click.option(
    "--api-gateway-id",
    help="Let this API Gateway (REST or HTTP API id) invoke each function on its route; grants for another API "
    "are removed (default: API_GATEWAY_ID).",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing. Works offline without credentials.")
@click.option(
    "--functions",
    multiple=True,
    metavar="NAMES",
    help="Comma-separated subset to deploy (keys or function names; default: the guide's five).",
)
@click.option(
    "--with-agent-actions", is_flag=True, help="Also deploy the Bedrock Agent action group (agent-action-group)."
)
@click.option(
    "--stage",
    default=DEFAULT_STAGE,
    show_default=True,
    help=f"Deployment stage; names get a -STAGE suffix unless it is {DEFAULT_STAGE!r}.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(".env"),
    show_default=True,
    help="Dotenv file with the functions' settings, relative to the current directory.",
)
@click.option("--no-env-file", is_flag=True, help="Deploy without an env file (the functions get no settings).")
@click.option("--log-level", help="LOG_LEVEL for the functions (default: the env file's, else INFO).")
@click.option(
    "--provisioned-concurrency",
    type=click.IntRange(min=0),
    metavar="N",
    help="Provisioned concurrency on the live alias (0 removes it; default: leave as is).",
)
@click.option("--kms-key-arn", help="Customer managed KMS key that encrypts the environment variables.")
@click.option("--tracing/--no-tracing", default=True, show_default=True,
              help="X-Ray active tracing with the Powertools Tracer, as the SAM template's Tracing=Active.")
@click.option("--subnet-ids", callback=_csv, help="Comma-separated subnets to run the functions in a VPC.")
@click.option("--security-group-ids", callback=_csv, help="Comma-separated security groups (with --subnet-ids).")
@click.option("--runtime", help=f"Lambda runtime (default: python<--python-version>, i.e. {RUNTIME}).")
@click.option("--endpoint-url", help="AWS endpoint override for all services (moto, LocalStack).")
@click.option("--package-only", is_flag=True, help="Build the zip, print its size and path, deploy nothing.")
@click.option(
    "--package",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Deploy this prebuilt zip instead of building one.",
)
@click.option(
    "--output",
    callback=_output,
    metavar="[text|json]",
    help="text: progress and the DEPLOYMENT SUMMARY (default); json: one JSON document on stdout.",
)
@build_options
@click.pass_context
def deploy(ctx: click.Context, **kw: Any) -> None:
    """Build the Lambda package and create or update the concert-api functions, idempotently."""
    if ctx.invoked_subcommand is not None:
        return
    from concert_tools.deploy.cli import DeployOptions, run_deploy

    if kw["security_group_ids"] and not kw["subnet_ids"]:
        raise click.UsageError("--security-group-ids needs --subnet-ids")
    try:
        functions = select_functions(list(kw["functions"]) or None, with_agent_actions=kw["with_agent_actions"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--functions") from None
    options = DeployOptions(
        functions=functions,
        build=_build(ctx, kw),
        region=kw["region"],
        profile=kw["profile"],
        role_arn=kw["role_arn"],
        shared_role=kw["shared_role"],
        s3_bucket=kw["s3_bucket"],
        s3_prefix=kw["s3_prefix"],
        api_gateway_id=kw["api_gateway_id"],
        dry_run=kw["dry_run"],
        stage=kw["stage"],
        env_file=kw["env_file"],
        use_env_file=not kw["no_env_file"],
        log_level=kw["log_level"],
        provisioned_concurrency=kw["provisioned_concurrency"],
        kms_key_arn=kw["kms_key_arn"],
        tracing=kw["tracing"],
        subnet_ids=kw["subnet_ids"],
        security_group_ids=kw["security_group_ids"],
        runtime=kw["runtime"],
        endpoint_url=kw["endpoint_url"],
        package_only=kw["package_only"],
        package=kw["package"],
        output=kw["output"],
    )
    # `main` (below) passes a boto3 client factory in ctx.obj (tests point it at moto).
    client_factory = ctx.obj.get("client_factory") if isinstance(ctx.obj, dict) else None
    ctx.exit(run_deploy(options, client_factory=client_factory))


@deploy.command("package", context_settings={"help_option_names": ["-h", "--help"]})
@build_options
@click.option(
    "--output", callback=_output, metavar="[text|json]", help="text: one line (default); json: the build's facts."
)
@click.pass_context
def package_command(ctx: click.Context, **kw: Any) -> None:
    """Build the Lambda deployment zip (api_lambda_handlers + concert_api + runtime dependencies) and print its
    size, without deploying."""
    import json

    from concert_tools.deploy.errors import PackageError
    from concert_tools.deploy.package import DIRECT_UPLOAD_LIMIT

    as_json = kw["output"] == "json"
    try:
        result = _build(ctx, kw).build(lambda line: click.echo(line, err=as_json))
    except PackageError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(2)
    if as_json:
        facts = {
            "path": str(result.path),
            "size": result.size,
            "sha256": result.sha256,
            "files": result.files,
            "python_version": result.python_version,
            "architecture": result.architecture,
            "deps_source": result.deps_source,
        }
        click.echo(json.dumps(facts, indent=2))
    else:
        click.echo(result.describe())
    if result.size > DIRECT_UPLOAD_LIMIT:
        click.echo(
            "note: over the 50 MB direct-upload limit; the deployer will upload it to S3 (--s3-bucket)", err=True
        )
    ctx.exit(0)


def main(argv: Sequence[str] | None = None, *, client_factory: ClientFactory | None = None) -> int:
    """The guide's entry point (`infrastructure/deploy_api_lambdas.py`): parse `argv`, run, return the status."""
    from concert_tools.deploy.cli import EXIT_FAILED

    try:
        status = deploy.main(
            args=list(sys.argv[1:] if argv is None else argv),
            prog_name="deploy_api_lambdas.py",
            standalone_mode=False,
            obj={"client_factory": client_factory},
        )
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        print("Aborted.", file=sys.stderr)
        return EXIT_FAILED
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    deploy(prog_name="concert-api deploy")
    sys.exit(0)

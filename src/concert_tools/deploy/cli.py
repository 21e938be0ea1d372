"""`python infrastructure/deploy_api_lambdas.py`: build the package and deploy the five functions.

Flags follow the guide (`--region`, `--role-arn`, `--s3-bucket`, `--api-gateway-id`) and add `--dry-run`,
`--functions`, `--with-agent-actions` (the optional Bedrock Agent action group), `--stage`, `--env-file`,
`--provisioned-concurrency`, `--kms-key-arn`, `--subnet-ids`, `--security-group-ids` and `--architecture`.
The guide's `.env` keys `AWS_REGION`, `LAMBDA_EXECUTION_ROLE_ARN`, `LAMBDA_DEPLOYMENT_BUCKET`
and `API_GATEWAY_ID` are the defaults of the matching flags.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from concert_tools.deploy.package import PackageError, add_build_arguments, build_from_args
from concert_tools.deploy.spec import (
    DEFAULT_STAGE,
    FUNCTIONS,
    OPTIONAL_FUNCTIONS,
    RUNTIME,
    read_env_file,
    select_functions,
)

EPILOG = (
    """
examples:
  %(prog)s --region us-east-1                                  # create roles, deploy all five
  %(prog)s --region us-east-1 --role-arn arn:aws:iam::123456789012:role/LambdaRole
  %(prog)s --region us-east-1 --s3-bucket my-lambda-deployments
  %(prog)s --region us-east-1 --api-gateway-id abc123xyz
  %(prog)s --dry-run --functions chatbot,health-check --stage dev
  %(prog)s --region us-east-1 --with-agent-actions             # the five and the Bedrock agent action group
  %(prog)s --package-only                                      # build the zip for `sam deploy`

functions: """
    + ", ".join(f.key for f in FUNCTIONS)
    + "; optional, deployed only when named or with --with-agent-actions: "
    + ", ".join(f.key for f in OPTIONAL_FUNCTIONS)
    + """
exit status: 0 all deployed, 1 any function failed, 2 bad arguments or the package could not be built.
"""
)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    """The deployer's argument parser."""
    p = argparse.ArgumentParser(
        prog="deploy_api_lambdas.py",
        description="Build the Lambda package and create or update the concert-api functions, idempotently.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--region", help="AWS region (default: $AWS_REGION, else AWS_REGION in the env file, else us-east-1)"
    )
    p.add_argument(
        "--role-arn",
        help="existing execution role for all functions (default: LAMBDA_EXECUTION_ROLE_ARN;"
        " without one, a least-privilege role per function is created)",
    )
    p.add_argument(
        "--shared-role",
        action="store_true",
        help="create one role (ConcertAPILambdaRole) holding every function's policy, instead of one each",
    )
    p.add_argument(
        "--s3-bucket",
        help="upload the package here and deploy from S3 (default: LAMBDA_DEPLOYMENT_BUCKET;"
        " required when the zip is over 50 MB)",
    )
    p.add_argument("--s3-prefix", default="concert-api/", help="key prefix in --s3-bucket (default: concert-api/)")
    p.add_argument(
        "--api-gateway-id",
        help="grant this API Gateway (REST or HTTP API id) permission to invoke each"
        " function on its route (default: API_GATEWAY_ID)",
    )
    p.add_argument("--dry-run", action="store_true", help="print the plan (roles, policies, functions); change nothing")
    p.add_argument(
        "--functions",
        action="append",
        metavar="NAMES",
        help="comma-separated subset to deploy (keys or function names; default: all five)",
    )
    p.add_argument(
        "--with-agent-actions",
        action="store_true",
        help="also deploy the Bedrock Agent action group (agent-action-group, concert-api-agent-actions), invocable"
        " by the agent BEDROCK_AGENT_ID (or any agent of the account when unset)",
    )
    p.add_argument(
        "--stage",
        default=DEFAULT_STAGE,
        help=f"deployment stage; names get a -STAGE suffix unless it is {DEFAULT_STAGE!r} (default)",
    )
    p.add_argument(
        "--env-file", default=".env", type=Path, help="dotenv file with the functions' settings (default: .env)"
    )
    p.add_argument("--log-level", help="LOG_LEVEL for the functions (default: the env file's, else INFO)")
    p.add_argument(
        "--provisioned-concurrency",
        type=int,
        metavar="N",
        help="provisioned concurrency on the live alias (0 removes it; default: leave as is)",
    )
    p.add_argument("--kms-key-arn", help="customer managed KMS key that encrypts the environment variables")
    p.add_argument("--subnet-ids", type=_csv, default=[], help="comma-separated subnets to run the functions in a VPC")
    p.add_argument(
        "--security-group-ids", type=_csv, default=[], help="comma-separated security groups (with --subnet-ids)"
    )
    p.add_argument(
        "--runtime", default=None, help=f"Lambda runtime (default: python<--python-version>, i.e. {RUNTIME})"
    )
    p.add_argument("--endpoint-url", help="AWS endpoint override for all services (moto, LocalStack)")
    p.add_argument("--package-only", action="store_true", help="build the zip, print its size and path, deploy nothing")
    add_build_arguments(p)
    return p


def _session_client_factory(region: str, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(region_name=region)
    cfg = Config(retries={"mode": "standard", "max_attempts": 8}, user_agent_extra="concert-api-deployer")

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url, config=cfg)

    return client


def main(argv: Sequence[str] | None = None, *, client_factory: Any = None) -> int:
    """Parse flags, build (or load) the package, deploy, print the summary; return the exit status."""
    from concert_tools.deploy.deployer import DeployConfig, Deployer, Package, format_summary

    parser = build_parser()
    args = parser.parse_args(argv)
    env = read_env_file(args.env_file)
    if args.env_file != Path(".env") and not args.env_file.is_file():
        parser.error(f"--env-file {args.env_file} does not exist")
    if args.security_group_ids and not args.subnet_ids:
        parser.error("--security-group-ids needs --subnet-ids")
    if args.provisioned_concurrency is not None and args.provisioned_concurrency < 0:
        parser.error("--provisioned-concurrency must be 0 or more")
    try:
        functions = select_functions(args.functions, with_agent_actions=args.with_agent_actions)
    except ValueError as exc:
        parser.error(str(exc))

    package = None
    if args.package or not args.dry_run or args.package_only:
        try:
            if args.package:
                path = args.package
                if not path.is_file():
                    raise PackageError(f"--package {path} does not exist; build it with --package-only")
            else:
                result = build_from_args(args)
                print(result.describe())
                path = result.path
        except PackageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        package = Package(path=path, data=path.read_bytes())
    if args.package_only:
        return 0

    region = args.region or os.environ.get("AWS_REGION") or env.get("AWS_REGION") or "us-east-1"
    config = DeployConfig(
        region=region,
        functions=functions,
        env=env,
        stage=args.stage,
        role_arn=args.role_arn or env.get("LAMBDA_EXECUTION_ROLE_ARN") or None,
        shared_role=args.shared_role,
        s3_bucket=args.s3_bucket or env.get("LAMBDA_DEPLOYMENT_BUCKET") or None,
        s3_prefix=args.s3_prefix,
        api_gateway_id=args.api_gateway_id or env.get("API_GATEWAY_ID") or None,
        provisioned_concurrency=args.provisioned_concurrency,
        kms_key_arn=args.kms_key_arn,
        subnet_ids=args.subnet_ids,
        security_group_ids=args.security_group_ids,
        architecture=args.architecture,
        runtime=args.runtime or f"python{args.python_version}",
        log_level=args.log_level,
        dry_run=args.dry_run,
    )
    factory = client_factory or _session_client_factory(region, args.endpoint_url)
    results = Deployer(config, factory).run(package)
    if args.dry_run:
        return 0
    print()
    print(format_summary(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

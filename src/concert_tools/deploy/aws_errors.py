"""AWS errors as the deployer reports them: one line with the error code and what to do next."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

_HINTS = {
    "AccessDeniedException": " (the deploying identity lacks a permission; see docs/deploy.md)",
    "AccessDenied": " (the deploying identity lacks a permission; see docs/deploy.md)",
    "ExpiredToken": " (refresh your AWS credentials)",
    "ExpiredTokenException": " (refresh your AWS credentials)",
    "InvalidClientTokenId": " (check your AWS credentials and --profile)",
    "ResourceConflictException": " (another update is in progress; re-run in a minute)",
}


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError (`ResourceNotFoundException`, `AccessDenied`, ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def reason(exc: BaseException) -> str:
    """A one-line explanation of `exc` for the summary or the error line, with a hint where one helps."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, msg = err.get("Code", "Error"), err.get("Message", str(exc))
        return f"{code}: {msg}{_HINTS.get(str(code), '')}"
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return (
            f"{exc} (configure AWS credentials: `aws configure`, AWS_PROFILE or --profile, or environment "
            "variables; --dry-run plans without them)"
        )
    if isinstance(exc, ProfileNotFound):
        return f"{exc} (list your profiles with `aws configure list-profiles`)"
    if isinstance(exc, NoRegionError):
        return f"{exc} (pass --region or set AWS_REGION)"
    if isinstance(exc, EndpointConnectionError):
        return f"{exc} (no connection to AWS; check the network, --region and --endpoint-url)"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def json_equal(a: Any, b: Any) -> bool:
    """Whether two JSON documents (strings or parsed) are equal, as IAM returns them in either form."""
    if isinstance(a, str):
        a = json.loads(a)
    if isinstance(b, str):
        b = json.loads(b)
    return bool(a == b)

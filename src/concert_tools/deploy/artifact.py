"""The zip being deployed (`Package`) and its upload to S3 under a content-addressed key."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from concert_tools.deploy.aws_errors import error_code
from concert_tools.deploy.errors import DeployError
from concert_tools.deploy.package import DIRECT_UPLOAD_LIMIT


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


def upload_package(
    s3: Callable[[], Any], package: Package, bucket: str | None, prefix: str, out: Callable[[str], None]
) -> Package:
    """Put the zip in S3 under `<prefix><sha256>.zip` when a bucket is given (once: an existing key is reused).

    Without a bucket the zip goes in the API call itself, which Lambda allows up to 50 MB.
    """
    if not bucket:
        if len(package.data) > DIRECT_UPLOAD_LIMIT:
            raise DeployError(
                f"the package is {len(package.data) / 1e6:.1f} MB, over Lambda's 50 MB direct-upload limit; "
                "pass --s3-bucket BUCKET (or set LAMBDA_DEPLOYMENT_BUCKET in the env file)"
            )
        return package
    key = f"{prefix}{hashlib.sha256(package.data).hexdigest()}.zip"
    client = s3()
    try:
        client.head_object(Bucket=bucket, Key=key)
        out(f"Package already in s3://{bucket}/{key}")
    except ClientError as exc:
        if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
            raise
        client.put_object(Bucket=bucket, Key=key, Body=package.data, ContentType="application/zip")
        out(f"Uploaded package to s3://{bucket}/{key}")
    package.s3_bucket, package.s3_key = bucket, key
    return package

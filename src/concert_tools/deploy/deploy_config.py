"""What one deployment run needs (`DeployConfig`) and what it reports per function (`FunctionResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from concert_tools.deploy.spec import DEFAULT_ROLE_NAME, DEFAULT_STAGE, RUNTIME, FunctionSpec


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
    tracing: bool = True  # X-Ray active tracing (the SAM template's Tracing=Active default)
    subnet_ids: list[str] = field(default_factory=list)
    security_group_ids: list[str] = field(default_factory=list)
    architecture: str = "x86_64"
    runtime: str = RUNTIME
    log_level: str | None = None
    dry_run: bool = False
    # No credentials: the dry run plans from the spec alone and calls nothing.
    offline: bool = False
    # What the caller could not check before the run (e.g. a dry run without an env file); the plan lists it.
    unchecked: list[str] = field(default_factory=list)
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
        """Whether the function was deployed."""
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """The result for `--output json`."""
        return {
            "key": self.key,
            "function_name": self.name,
            "status": "SUCCESS" if self.ok else "FAILED",
            "function_arn": self.arn,
            "error": self.error,
            "actions": list(self.actions),
        }

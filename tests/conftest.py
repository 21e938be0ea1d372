"""Shared fixtures: a clean environment per test, API Gateway events, a Lambda context, the tiny data set."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).parent / "events"

_AWS_SETTINGS = (
    "REDSHIFT_CLUSTER_ID", "REDSHIFT_WORKGROUP_NAME", "REDSHIFT_DATABASE", "REDSHIFT_DB_USER", "REDSHIFT_SECRET_ARN",
    "BEDROCK_AGENT_ID", "BEDROCK_AGENT_ALIAS_ID", "BEDROCK_MODEL_ID", "SAGEMAKER_VENUE_ENDPOINT",
    "SAGEMAKER_TICKET_ENDPOINT", "CONCERT_WAREHOUSE", "CONCERT_POSTGRES_DSN", "CONCERT_ASSISTANT",
    "CONCERT_PREDICTOR",
)


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every test starts from the embedded defaults: no AWS configuration, no .env file, fresh adapters."""
    from concert_api import composition

    for name in _AWS_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONCERT_ENV_FILE", "")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    composition.reset()
    yield
    composition.reset()


def load_event(name: str) -> dict[str, Any]:
    """A real API Gateway event kept as a JSON fixture under tests/events/."""
    return json.loads((EVENTS / name).read_text())


@dataclass
class FakeLambdaContext:
    """The attributes Lambda's context object has that the handlers read."""

    function_name: str = "concert-api-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:concert-api-test"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def body_of(response: dict[str, Any]) -> Any:
    """The JSON body of a proxy response."""
    return json.loads(response["body"]) if response["body"] else None

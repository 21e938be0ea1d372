"""Probes of the AWS services behind the API, for `GET /health?deep=true`.

Each probe is a read-only control-plane call that says whether the service can answer now, without doing any
work: the SageMaker endpoint is `InService`, the Bedrock agent alias is `PREPARED`. The warehouse is probed by
its own adapter (`Warehouse.ping`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from concert_api.errors import DependencyError

Probe = Callable[[], None]

def _client(service: str, region: str) -> Any:
    """A control-plane client: at most 2 s to connect and 3 s to answer, one attempt, less near the deadline."""
    from concert_api.adapters.aws_clients import deadline_client

    return deadline_client(service, region=region, connect_timeout=2, read_timeout=3, max_attempts=1,
                           default_seconds=5)


def sagemaker_endpoint(name: str, region: str, client: Any = None) -> Probe:
    """A probe that fails unless the SageMaker endpoint `name` is InService."""

    def probe() -> None:
        status = (client or _client("sagemaker", region)).describe_endpoint(EndpointName=name)["EndpointStatus"]
        if status != "InService":
            raise DependencyError(f"endpoint status {status}")

    return probe


def bedrock_agent_alias(agent_id: str, alias_id: str, region: str, client: Any = None) -> Probe:
    """A probe that fails unless the Bedrock agent alias is PREPARED."""

    def probe() -> None:
        alias = (client or _client("bedrock-agent", region)).get_agent_alias(agentId=agent_id, agentAliasId=alias_id)
        status = alias["agentAlias"]["agentAliasStatus"]
        if status != "PREPARED":
            raise DependencyError(f"agent alias status {status}")

    return probe

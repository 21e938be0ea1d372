"""The deep health probes of SageMaker and Bedrock, against the real botocore service models (Stubber).

The Stubber checks each request and response against the service model; it cannot show what AWS does beyond
that (IAM denials, a real endpoint's status transitions), which the probe reports as an error either way."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.stub import Stubber

from concert_api.adapters import probes
from concert_api.errors import DependencyError

NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)


def _endpoint(status: str) -> dict:
    return {
        "EndpointName": "ticket-sales-endpoint",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ticket-sales-endpoint",
        "EndpointConfigName": "cfg",
        "EndpointStatus": status,
        "CreationTime": NOW,
        "LastModifiedTime": NOW,
    }


@pytest.mark.parametrize(("status", "ok"), [("InService", True), ("Updating", False), ("Failed", False)])
def test_sagemaker_probe_passes_only_in_service(status, ok):
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("describe_endpoint", _endpoint(status), {"EndpointName": "ticket-sales-endpoint"})
        probe = probes.sagemaker_endpoint("ticket-sales-endpoint", "us-east-1", client=client)
        if ok:
            probe()
        else:
            with pytest.raises(DependencyError, match=status):
                probe()


@pytest.mark.parametrize(("status", "ok"), [("PREPARED", True), ("FAILED", False)])
def test_bedrock_agent_probe_passes_only_when_prepared(status, ok):
    client = boto3.client("bedrock-agent", region_name="us-east-1")
    alias = {
        "agentAlias": {
            "agentId": "AGENT12345",
            "agentAliasId": "ALIAS12345",
            "agentAliasName": "live",
            "agentAliasArn": "arn:aws:bedrock:us-east-1:123456789012:agent-alias/AGENT12345/ALIAS12345",
            "routingConfiguration": [],
            "createdAt": NOW,
            "updatedAt": NOW,
            "agentAliasStatus": status,
        }
    }
    with Stubber(client) as stub:
        stub.add_response("get_agent_alias", alias, {"agentId": "AGENT12345", "agentAliasId": "ALIAS12345"})
        probe = probes.bedrock_agent_alias("AGENT12345", "ALIAS12345", "us-east-1", client=client)
        if ok:
            probe()
        else:
            with pytest.raises(DependencyError):
                probe()


def test_probe_surfaces_access_denied_as_an_error():
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("describe_endpoint", "AccessDeniedException", "not authorized", 400)
        with pytest.raises(Exception, match="AccessDenied"):
            probes.sagemaker_endpoint("ticket-sales-endpoint", "us-east-1", client=client)()

"""Provisioned concurrency on the `live` alias.

moto does not implement Get/Put/DeleteProvisionedConcurrencyConfig, so these tests use botocore's Stubber,
which still validates every request against AWS's own service model. They also pin down that the qualifier is the
alias: AWS rejects provisioned concurrency on $LATEST (the guide's `--qualifier LATEST` is not valid).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.stub import Stubber

from concert_tools.deploy.deployer import DeployConfig, Deployer, FunctionResult
from concert_tools.deploy.spec import FUNCTIONS_BY_KEY

NAME = "concert-api-chatbot"


def _deployer(wanted: int) -> tuple[Deployer, Stubber]:
    client = boto3.client("lambda", region_name="us-east-1")
    stubber = Stubber(client)
    config = DeployConfig(region="us-east-1", functions=[FUNCTIONS_BY_KEY["chatbot"]], provisioned_concurrency=wanted)

    def factory(_service: str) -> Any:
        return client

    return Deployer(config, factory, out=lambda _m: None), stubber


def test_sets_provisioned_concurrency_on_the_live_alias() -> None:
    deployer, stubber = _deployer(2)
    stubber.add_client_error(
        "get_provisioned_concurrency_config",
        "ProvisionedConcurrencyConfigNotFoundException",
        expected_params={"FunctionName": NAME, "Qualifier": "live"},
    )
    stubber.add_response(
        "put_provisioned_concurrency_config",
        {"RequestedProvisionedConcurrentExecutions": 2, "Status": "IN_PROGRESS"},
        expected_params={"FunctionName": NAME, "Qualifier": "live", "ProvisionedConcurrentExecutions": 2},
    )
    result = FunctionResult("chatbot", NAME)
    with stubber:
        deployer.ensure_provisioned_concurrency(NAME, 2, result)
    stubber.assert_no_pending_responses()
    assert result.actions == ["provisioned concurrency 2 on live"]


def test_unchanged_provisioned_concurrency_is_not_rewritten() -> None:
    deployer, stubber = _deployer(2)
    stubber.add_response(
        "get_provisioned_concurrency_config",
        {"RequestedProvisionedConcurrentExecutions": 2, "Status": "READY"},
        expected_params={"FunctionName": NAME, "Qualifier": "live"},
    )
    result = FunctionResult("chatbot", NAME)
    with stubber:
        deployer.ensure_provisioned_concurrency(NAME, 2, result)
    stubber.assert_no_pending_responses()
    assert result.actions == []


def test_zero_removes_provisioned_concurrency() -> None:
    deployer, stubber = _deployer(0)
    stubber.add_response(
        "get_provisioned_concurrency_config",
        {"RequestedProvisionedConcurrentExecutions": 3, "Status": "READY"},
        expected_params={"FunctionName": NAME, "Qualifier": "live"},
    )
    stubber.add_response(
        "delete_provisioned_concurrency_config", {}, expected_params={"FunctionName": NAME, "Qualifier": "live"}
    )
    result = FunctionResult("chatbot", NAME)
    with stubber:
        deployer.ensure_provisioned_concurrency(NAME, 0, result)
    stubber.assert_no_pending_responses()
    assert result.actions == ["removed provisioned concurrency"]

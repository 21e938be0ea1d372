"""The deployer grants a function in a VPC only the network-interface permissions of its own subnets and security
groups, as the template does (issue 14, finding 3)."""

from __future__ import annotations

from concert_tools.deploy.account import AccountContext
from concert_tools.deploy.deploy_config import DeployConfig
from concert_tools.deploy.deployer import Deployer
from concert_tools.deploy.policy import PolicyContext
from concert_tools.deploy.spec import FUNCTIONS


def test_a_function_in_a_vpc_may_only_touch_network_interfaces_in_its_subnets():
    # Given a deployment into two subnets with one security group,
    config = DeployConfig(region="us-east-1", functions=list(FUNCTIONS), subnet_ids=["subnet-1", "subnet-2"],
                          security_group_ids=["sg-9"])
    deployer = Deployer(config, client=lambda service: None)
    deployer.context = AccountContext("123456789012", "aws", PolicyContext(region="us-east-1", account="123456789012"))
    # when the policy of a function is written,
    statements = deployer.policy_for(FUNCTIONS[0])["Statement"]
    ec2 = [s for s in statements if any(str(a).startswith("ec2:") for a in _actions(s))]
    # then creating an interface names exactly those subnets and that group, and nothing else is granted on "*"
    # but the one describe call that supports no resource type.
    resources = {r for s in ec2 for r in _list(s.get("Resource"))}
    assert "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1" in resources
    assert "arn:aws:ec2:us-east-1:123456789012:security-group/sg-9" in resources
    assert all(_actions(s) == ["ec2:DescribeNetworkInterfaces"] for s in ec2 if "*" in _list(s.get("Resource")))


def _actions(statement: dict) -> list[str]:
    return _list(statement.get("Action"))


def _list(value: object) -> list:
    return value if isinstance(value, list) else [value]

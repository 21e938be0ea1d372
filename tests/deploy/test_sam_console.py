"""The web console as a static site in the SAM template (issue 16): off by default; with `ConsoleSite=true`, a
private bucket only the console's CloudFront distribution may read, and an API that allows the site's origin.

What the SAM transform cannot show: that CloudFront serves the files and that browsers accept the preflight
answers; those need a deployed stack."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from concert_tools.deploy.sam import TEMPLATE_PATH, build_template
from concert_tools.deploy.spec import FUNCTIONS

CONSOLE = {"ConsoleBucket", "ConsoleBucketPolicy", "ConsoleOriginAccessControl", "ConsoleDistribution"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))


def test_the_console_site_is_off_unless_asked_for(template):
    assert template["Parameters"]["ConsoleSite"]["Default"] == "false"
    assert all(template["Resources"][name]["Condition"] == "UseConsoleSite" for name in CONSOLE)
    assert template["Outputs"]["ConsoleUrl"]["Condition"] == "UseConsoleSite"


def test_the_bucket_is_private_and_only_the_distribution_reads_it(template):
    bucket = template["Resources"]["ConsoleBucket"]
    assert set(bucket["Properties"]["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["DeletionPolicy"] == "Retain"
    (statement,) = template["Resources"]["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"} and statement["Action"] == "s3:GetObject"
    assert "${ConsoleDistribution}" in statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    config = template["Resources"]["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_every_route_allows_the_console_origin_only_when_the_site_exists(template):
    for spec in FUNCTIONS:
        env = template["Resources"][spec.logical_id]["Properties"]["Environment"]["Variables"]
        condition, origin, otherwise = env["CONCERT_CORS_ALLOW_ORIGIN"]["Fn::If"]
        assert condition == "UseConsoleSite" and "ConsoleDistribution.DomainName" in origin["Fn::Sub"]
        assert otherwise == {"Ref": "AWS::NoValue"}


def test_preflights_are_answered_by_api_gateway_without_a_key(template):
    rest_paths = template["Resources"]["RestApi"]["Properties"]["DefinitionBody"]["paths"]
    for ops in rest_paths.values():
        condition, preflight, _ = ops["options"]["Fn::If"]
        assert condition == "UseConsoleSite" and "security" not in preflight
        assert preflight["x-amazon-apigateway-integration"]["type"] == "mock"
    cors = template["Resources"]["HttpApi"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-cors"]["Fn::If"]
    assert cors[0] == "UseConsoleSite" and "POST" in cors[1]["allowMethods"]


@pytest.mark.parametrize("auth", ["API_KEY", "NONE"])
def test_the_sam_transform_accepts_the_console_site(auth, monkeypatch):
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    built = build_template()
    built["Globals"]["Function"]["CodeUri"] = "s3://bucket/concert-api.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    out = transform(built, {"AuthType": auth, "ConsoleSite": "true"}, NoManagedPolicies())
    assert set(out["Resources"]) >= CONSOLE

"""The web console as a static site (optional, `ConsoleSite=true`): a private S3 bucket behind CloudFront with
origin access control, HTTPS only; the API then allows the site's origin for cross-origin calls.

The console's files are the package's `concert_api/server/console/` directory, laid out as `concert-api serve`
serves them (`index.html` at the root, the rest under `console/`): upload them to the bucket (`ConsoleBucketName`
output) as docs/console.md shows, open the `ConsoleUrl` output, and set the API base URL (the `ApiUrl` output)
and the API key in the console's settings.
"""

from __future__ import annotations

from typing import Any

CONSOLE_CONDITION = "UseConsoleSite"
CONSOLE_ORIGIN = {"Fn::Sub": "https://${ConsoleDistribution.DomainName}"}
"""The site's origin, which the functions' CORS allow-origin is set to when the site exists."""
CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
"""CloudFront's managed cache policy `Managed-CachingOptimized`."""


def console_parameter() -> dict[str, Any]:
    """The `ConsoleSite` parameter."""
    return {
        "Type": "String",
        "Default": "false",
        "AllowedValues": ["true", "false"],
        "Description": "Host the web console as a static site (S3 behind CloudFront); the API then allows its origin",
    }


def console_condition() -> dict[str, Any]:
    """`UseConsoleSite`: the parameter is true."""
    return {CONSOLE_CONDITION: {"Fn::Equals": [{"Ref": "ConsoleSite"}, "true"]}}


def console_resources() -> dict[str, Any]:
    """The bucket (private, encrypted, versioned, kept when the stack goes), its policy letting only this
    distribution read it, the origin access control and the distribution."""
    return {
        "ConsoleBucket": {
            "Type": "AWS::S3::Bucket",
            "Condition": CONSOLE_CONDITION,
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            },
        },
        "ConsoleOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Condition": CONSOLE_CONDITION,
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": {"Fn::Sub": "concert-api${NameSuffix}-console"},
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "ConsoleDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Condition": CONSOLE_CONDITION,
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": {"Fn::Sub": "concert-api${NameSuffix} web console"},
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2",
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": "console",
                            "DomainName": {"Fn::GetAtt": ["ConsoleBucket", "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "console",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": CACHING_OPTIMIZED_POLICY_ID,
                    },
                }
            },
        },
        "ConsoleBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Condition": CONSOLE_CONDITION,
            "Properties": {
                "Bucket": {"Ref": "ConsoleBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "ReadByTheConsoleDistributionOnly",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": "${ConsoleBucket.Arn}/*"},
                            "Condition": {
                                "StringEquals": {
                                    "AWS:SourceArn": {
                                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:"
                                        "distribution/${ConsoleDistribution}"
                                    }
                                }
                            },
                        }
                    ],
                },
            },
        },
    }


def console_outputs() -> dict[str, Any]:
    """Where the console is, and the bucket to upload it to."""
    return {
        "ConsoleUrl": {"Condition": CONSOLE_CONDITION, "Description": "The web console", "Value": CONSOLE_ORIGIN},
        "ConsoleBucketName": {
            "Condition": CONSOLE_CONDITION,
            "Description": "Upload the console here: index.html at the root, the rest under console/ (docs/console.md)",
            "Value": {"Ref": "ConsoleBucket"},
        },
    }

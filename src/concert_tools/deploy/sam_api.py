"""The API of the SAM template: an HTTP API (IAM, COGNITO, LAMBDA or NONE authorization) or, for API keys, a REST
API with a usage plan; `GET /health` open in every mode; integration timeouts set explicitly to API Gateway's
29 s, which the handlers' request deadline ends before."""

from __future__ import annotations

from typing import Any

from concert_api.deadline import API_GATEWAY_LIMIT_SECONDS
from concert_tools.deploy.sam_console import CONSOLE_CONDITION, CONSOLE_ORIGIN
from concert_tools.deploy.sam_functions import alias_logical_id
from concert_tools.deploy.sam_monitoring import NO_VALUE
from concert_tools.deploy.spec import FUNCTIONS, FunctionSpec

REST_STAGE = "prod"
CORS_HEADERS = "Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token"


def _rest_preflight() -> dict[str, Any]:
    """An OPTIONS operation answered by API Gateway itself (a mock integration, no key needed): the console's
    site may then call the REST API from its origin."""
    allowed = {
        "method.response.header.Access-Control-Allow-Origin": {"Fn::Sub": "'https://${ConsoleDistribution.DomainName}'"},
        "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
        "method.response.header.Access-Control-Allow-Headers": f"'{CORS_HEADERS}'",
    }
    return {
        "summary": "CORS preflight",
        "responses": {"200": {"description": "OK", "headers": {h.rsplit(".", 1)[-1]: {"schema": {"type": "string"}}
                                                              for h in allowed}}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200", "responseParameters": allowed}},
        },
    }
INTEGRATION_TIMEOUT_MS = int(API_GATEWAY_LIMIT_SECONDS * 1000)


def _integration(spec: FunctionSpec) -> dict[str, Any]:
    return {
        "type": "aws_proxy",
        "httpMethod": "POST",
        "uri": {
            "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
            f"${{{alias_logical_id(spec)}}}/invocations"
        },
        "payloadFormatVersion": "1.0",
        # Explicit: API Gateway's limit, which the handlers' request deadline (concert_api.deadline) ends before.
        "timeoutInMillis": INTEGRATION_TIMEOUT_MS,
    }


def _operation(spec: FunctionSpec, security: Any) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.key.replace("-", "_"),
        "summary": f"{spec.key} ({spec.base_name})",
        "responses": {"200": {"description": "OK"}},
        "x-amazon-apigateway-integration": _integration(spec),
    }
    if spec.path != "/health" and security is not None:
        op["security"] = security
    return op


def http_api() -> dict[str, Any]:
    """The HTTP API with the five routes; its authorizer picked by AuthType."""
    security = {
        "Fn::If": [
            "UseIamAuth",
            [{"sigv4": []}],
            {
                "Fn::If": [
                    "UseCognito",
                    [{"CognitoAuthorizer": []}],
                    {"Fn::If": ["UseLambdaAuth", [{"LambdaAuthorizer": []}], NO_VALUE]},
                ]
            },
        ]
    }
    schemes = {
        "sigv4": {
            "Fn::If": [
                "UseIamAuth",
                {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
                NO_VALUE,
            ]
        },
        "CognitoAuthorizer": {
            "Fn::If": [
                "UseCognito",
                {
                    "type": "oauth2",
                    "x-amazon-apigateway-authorizer": {
                        "type": "jwt",
                        "identitySource": "$request.header.Authorization",
                        "jwtConfiguration": {
                            "issuer": {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"},
                            "audience": [{"Ref": "UserPoolClient"}],
                        },
                    },
                },
                NO_VALUE,
            ]
        },
        "LambdaAuthorizer": {
            "Fn::If": [
                "UseLambdaAuth",
                {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authorizer": {
                        "type": "request",
                        "identitySource": "$request.header.Authorization",
                        "authorizerPayloadFormatVersion": "2.0",
                        "enableSimpleResponses": True,
                        "authorizerResultTtlInSeconds": 300,
                        "authorizerUri": {
                            "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/"
                            "2015-03-31/functions/${LambdaAuthorizerFunctionArn}/invocations"
                        },
                    },
                },
                NO_VALUE,
            ]
        },
    }
    paths: dict[str, Any] = {}
    for spec in FUNCTIONS:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, security)
    return {
        "Type": "AWS::Serverless::HttpApi",
        "Condition": "UseHttpApi",
        "Properties": {
            "Description": "concert-api HTTP API",
            "DefaultRouteSettings": {
                "ThrottlingRateLimit": {"Ref": "ApiThrottleRateLimit"},
                "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurstLimit"},
            },
            "DefinitionBody": {
                "openapi": "3.0.1",
                "info": {"title": {"Fn::Sub": "concert-api${NameSuffix}"}, "version": "1.0.0"},
                "paths": paths,
                "components": {"securitySchemes": schemes},
                # API Gateway answers preflights for the console's site, when there is one.
                "x-amazon-apigateway-cors": {
                    "Fn::If": [
                        CONSOLE_CONDITION,
                        {"allowOrigins": [CONSOLE_ORIGIN], "allowMethods": ["GET", "POST", "OPTIONS"],
                         "allowHeaders": CORS_HEADERS.split(","), "maxAge": 600},
                        NO_VALUE,
                    ]
                },
            },
        },
    }


def rest_api() -> dict[str, Any]:
    """The REST API used for AuthType=API_KEY (HTTP APIs have no API keys or usage plans)."""
    paths: dict[str, Any] = {}
    for spec in FUNCTIONS:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, [{"api_key": []}])
    for ops in paths.values():
        for op in ops.values():
            op["x-amazon-apigateway-integration"].pop("payloadFormatVersion")
    for ops in paths.values():
        ops["options"] = {"Fn::If": [CONSOLE_CONDITION, _rest_preflight(), NO_VALUE]}
    return {
        "Type": "AWS::Serverless::Api",
        "Condition": "UseRestApi",
        "Properties": {
            "Name": {"Fn::Sub": "concert-api${NameSuffix}"},
            "StageName": REST_STAGE,
            "Description": "concert-api REST API (API keys and a usage plan)",
            "EndpointConfiguration": {"Type": "REGIONAL"},
            "DefinitionBody": {
                "openapi": "3.0.1",
                "info": {"title": {"Fn::Sub": "concert-api${NameSuffix}"}, "version": "1.0.0"},
                "x-amazon-apigateway-api-key-source": "HEADER",
                "paths": paths,
                "components": {"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
            },
        },
    }


def auth_resources() -> dict[str, Any]:
    """The API key and usage plan (API_KEY), the Cognito user pool (COGNITO), the authorizer's permission (LAMBDA)."""
    resources: dict[str, Any] = {}
    resources["ApiKey"] = {
        "Type": "AWS::ApiGateway::ApiKey",
        "Condition": "UseRestApi",
        "Properties": {"Name": {"Fn::Sub": "concert-api${NameSuffix}-key"}, "Enabled": True},
    }
    resources["UsagePlan"] = {
        "Type": "AWS::ApiGateway::UsagePlan",
        "Condition": "UseRestApi",
        "Properties": {
            "UsagePlanName": {"Fn::Sub": "concert-api${NameSuffix}"},
            "ApiStages": [{"ApiId": {"Ref": "RestApi"}, "Stage": {"Ref": "RestApi.Stage"}}],
            "Throttle": {"RateLimit": {"Ref": "ApiThrottleRateLimit"}, "BurstLimit": {"Ref": "ApiThrottleBurstLimit"}},
        },
    }
    resources["UsagePlanKey"] = {
        "Type": "AWS::ApiGateway::UsagePlanKey",
        "Condition": "UseRestApi",
        "Properties": {"KeyId": {"Ref": "ApiKey"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "UsagePlan"}},
    }
    resources["UserPool"] = {
        "Type": "AWS::Cognito::UserPool",
        "Condition": "UseCognito",
        # The users are data: deleting or replacing the stack keeps the pool.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "UserPoolName": {"Fn::Sub": "concert-api${NameSuffix}"},
            "AutoVerifiedAttributes": ["email"],
            "UsernameAttributes": ["email"],
            "Policies": {
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": False,
                    "RequireUppercase": True,
                }
            },
        },
    }
    resources["UserPoolClient"] = {
        "Type": "AWS::Cognito::UserPoolClient",
        "Condition": "UseCognito",
        "Properties": {
            "UserPoolId": {"Ref": "UserPool"},
            "ClientName": {"Fn::Sub": "concert-api${NameSuffix}-client"},
            "GenerateSecret": False,
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        },
    }
    resources["LambdaAuthorizerPermission"] = {
        "Type": "AWS::Lambda::Permission",
        "Condition": "UseLambdaAuth",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": "LambdaAuthorizerFunctionArn"},
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/authorizers/*"
            },
        },
    }
    return resources

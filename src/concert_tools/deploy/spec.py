"""The five functions as the guide specifies them: names, handlers, memory, timeouts, routes, and which outside
systems each one talks to (which decides both its IAM permissions and the environment variables it receives).
Plus one optional function that is not an API route: the Bedrock Agent action group (`AGENT_ACTION_GROUP`),
deployed only when asked for.

This table is the single source for the Python deployer, the SAM template generator and the docs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from concert_api.routes import ROUTES

RUNTIME = "python3.12"
DEFAULT_STAGE = "prod"
DEFAULT_ROLE_NAME = "ConcertAPILambdaRole"
ALIAS_NAME = "live"
SERVICE_NAME = "concert-api"

# Capabilities: what a function calls. Each maps to IAM statements (policy.py) and environment variables.
LOGS = "logs"
WAREHOUSE = "warehouse"
AGENT = "bedrock-agent"
MODEL = "bedrock-model"
TICKET_ENDPOINT = "sagemaker-ticket"
VENUE_ENDPOINT = "sagemaker-venue"
PROBES = "health-probes"  # read-only status calls behind GET /health?deep=true
TRACING = "tracing"  # X-Ray segments, when active tracing is on
SESSIONS = "chat-sessions"  # the DynamoDB table of chat sessions (CONCERT_SESSIONS_TABLE)

# Who invokes a function: API Gateway (the five routes) or a Bedrock agent (the action group).
API_GATEWAY = "apigateway.amazonaws.com"
BEDROCK = "bedrock.amazonaws.com"

# Environment variables each capability needs on Lambda (names from the guide and settings.py).
CAPABILITY_ENV: dict[str, tuple[str, ...]] = {
    LOGS: (),
    WAREHOUSE: (
        "REDSHIFT_CLUSTER_ID",
        "REDSHIFT_WORKGROUP_NAME",
        "REDSHIFT_DATABASE",
        "REDSHIFT_DB_USER",
        "REDSHIFT_SECRET_ARN",
    ),
    AGENT: ("BEDROCK_AGENT_ID", "BEDROCK_AGENT_ALIAS_ID"),
    MODEL: ("BEDROCK_MODEL_ID",),
    TICKET_ENDPOINT: ("SAGEMAKER_TICKET_ENDPOINT",),
    VENUE_ENDPOINT: ("SAGEMAKER_VENUE_ENDPOINT",),
    PROBES: (),
    TRACING: (),
    SESSIONS: ("CONCERT_SESSIONS_TABLE",),
}

# Every name the deployer will copy from the env file. Anything else in the file (AWS credentials, local-only
# CONCERT_* settings such as a PostgreSQL DSN with a password, LAMBDA_* deployment settings) stays local.
# AWS_REGION is reserved by Lambda (it sets it itself) and is never passed.
KNOWN_ENV: tuple[str, ...] = (
    "REDSHIFT_CLUSTER_ID",
    "REDSHIFT_WORKGROUP_NAME",
    "REDSHIFT_DATABASE",
    "REDSHIFT_DB_USER",
    "REDSHIFT_SECRET_ARN",
    "BEDROCK_AGENT_ID",
    "BEDROCK_AGENT_ALIAS_ID",
    "BEDROCK_MODEL_ID",
    "SAGEMAKER_VENUE_ENDPOINT",
    "SAGEMAKER_TICKET_ENDPOINT",
    "LOG_LEVEL",
    "CONCERT_QUERY_TIMEOUT_SECONDS",
    "CONCERT_MAX_BODY_BYTES",
    "CONCERT_CORS_ALLOW_ORIGIN",
    "CONCERT_SESSIONS_TABLE",
)
# Tuning knobs every function may receive.
COMMON_ENV: tuple[str, ...] = (
    "LOG_LEVEL",
    "CONCERT_QUERY_TIMEOUT_SECONDS",
    "CONCERT_MAX_BODY_BYTES",
    "CONCERT_CORS_ALLOW_ORIGIN",
)


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function of the guide (or the optional action group, which has no route)."""

    key: str  # the guide's summary label: chatbot, venue-popularity, ...
    base_name: str  # the guide's function name for the default stage
    handler: str
    memory_mb: int
    timeout_s: int
    method: str  # "" for a function that is not an API route
    path: str
    capabilities: tuple[str, ...]
    logical_id: str  # CloudFormation logical id in template.yaml
    # Variables passed for reporting only (the health check says which services are configured).
    report_env: tuple[str, ...] = ()
    invoker: str = API_GATEWAY  # the service principal allowed to invoke the function
    summary: str = ""  # the Lambda description's subject when there is no route

    @property
    def is_route(self) -> bool:
        """Whether API Gateway serves this function on a route."""
        return bool(self.path)

    @property
    def description(self) -> str:
        """The Lambda function's description."""
        what = f"{self.method} {self.path}" if self.is_route else self.summary
        return f"concert-api {what} ({self.key})"

    def name(self, stage: str = DEFAULT_STAGE) -> str:
        """The function name: the guide's name for the default stage, `<name>-<stage>` for any other."""
        return self.base_name if stage == DEFAULT_STAGE else f"{self.base_name}-{stage}"

    def env_names(self) -> tuple[str, ...]:
        """The environment variable names this function receives when they are set in the env file."""
        names: list[str] = []
        for cap in self.capabilities:
            names.extend(CAPABILITY_ENV[cap])
        names.extend(self.report_env)
        names.extend(COMMON_ENV)
        return tuple(dict.fromkeys(names))


# What each function calls (its IAM and environment) and its CloudFormation logical id. Names, handlers, memory,
# timeouts and routes come from the one route table, `concert_api.routes`.
_DEPLOYMENT: dict[str, tuple[tuple[str, ...], str]] = {
    # The guide lists bedrock:InvokeAgent only, but gives the chatbot REDSHIFT_CLUSTER_ID/REDSHIFT_DATABASE: its
    # tools answer from the warehouse, which needs the Data API permissions too. BEDROCK_MODEL_ID selects the
    # Converse backend (bedrock:InvokeModel) instead of an agent.
    # CONCERT_SESSIONS_TABLE keeps the local and Converse assistants' conversations across containers.
    "chatbot": ((LOGS, AGENT, MODEL, WAREHOUSE, SESSIONS, TRACING), "ChatbotFunction"),
    # Venue forecasts are batch-scored into the warehouse (`concert-api model score`): the ranking reads them in its
    # one statement and never calls the venue endpoint, so the function gets no SageMaker permission.
    "venue-popularity": ((LOGS, WAREHOUSE, TRACING), "VenuePopularityFunction"),
    "ticket-prediction": ((LOGS, TICKET_ENDPOINT, WAREHOUSE, TRACING), "TicketPredictionFunction"),
    "price-curve": ((LOGS, TICKET_ENDPOINT, WAREHOUSE, TRACING), "PriceCurveFunction"),
    "recommendations": ((LOGS, WAREHOUSE, TRACING), "RecommendationsFunction"),
    # ?deep=true runs SELECT 1 on the warehouse and asks SageMaker and Bedrock for their endpoint/alias status.
    "health-check": ((LOGS, WAREHOUSE, PROBES, TRACING), "HealthCheckFunction"),
}

# The health check reports "configured"/"not_configured" per service from these; ?deep=true probes them.
_HEALTH_REPORT_ENV = (
    "REDSHIFT_CLUSTER_ID",
    "REDSHIFT_WORKGROUP_NAME",
    "REDSHIFT_DATABASE",
    "BEDROCK_AGENT_ID",
    "BEDROCK_AGENT_ALIAS_ID",
    "BEDROCK_MODEL_ID",
    "SAGEMAKER_VENUE_ENDPOINT",
    "SAGEMAKER_TICKET_ENDPOINT",
)

FUNCTIONS: tuple[FunctionSpec, ...] = tuple(
    FunctionSpec(
        key=route.key,
        base_name=route.function_name,
        handler=f"api_lambda_handlers.{route.handler}",
        memory_mb=route.memory_mb,
        timeout_s=route.timeout_s,
        method=route.method,
        path=route.path,
        capabilities=_DEPLOYMENT[route.key][0],
        logical_id=_DEPLOYMENT[route.key][1],
        report_env=_HEALTH_REPORT_ENV if route.key == "health-check" else (),
    )
    for route in ROUTES
)

# The Bedrock Agent action group: runs the chat tools for an agent (handlers/agent_action_group.py). Not an API
# route and not one of the guide's five; deployed only with `--functions agent-action-group` or
# `--with-agent-actions` (SAM: `DeployAgentActionGroup=true`). Its tools query the warehouse and the ticket-sales
# tool may call the SageMaker ticket model. Bedrock, not API Gateway, invokes it.
AGENT_ACTION_GROUP_HANDLER = "agent_action_group_handler"  # in routes.EXTRA_HANDLERS, so the shim resolves it
AGENT_ACTION_GROUP = FunctionSpec(
    key="agent-action-group",
    base_name="concert-api-agent-actions",
    handler=f"api_lambda_handlers.{AGENT_ACTION_GROUP_HANDLER}",
    memory_mb=512,
    timeout_s=30,
    method="",
    path="",
    capabilities=(LOGS, WAREHOUSE, TICKET_ENDPOINT, TRACING),
    logical_id="AgentActionGroupFunction",
    invoker=BEDROCK,
    summary="Bedrock Agent action group",
)

# Functions deployed only on request.
OPTIONAL_FUNCTIONS: tuple[FunctionSpec, ...] = (AGENT_ACTION_GROUP,)
ALL_FUNCTIONS: tuple[FunctionSpec, ...] = FUNCTIONS + OPTIONAL_FUNCTIONS

FUNCTIONS_BY_KEY: dict[str, FunctionSpec] = {f.key: f for f in ALL_FUNCTIONS}


def select_functions(keys: list[str] | None, *, with_agent_actions: bool = False) -> list[FunctionSpec]:
    """The functions named by `keys` (the guide's labels, or full function names), in the guide's order.

    Without `keys`, the guide's five; `with_agent_actions` adds the Bedrock Agent action group (to the five, or
    to the subset named).
    """
    wanted: set[str] = set() if keys else {f.key for f in FUNCTIONS}
    for raw in keys or ():
        for key in raw.split(","):
            key = key.strip()
            if not key:
                continue
            match = [f for f in ALL_FUNCTIONS if key in (f.key, f.base_name)]
            if not match:
                valid = ", ".join(f.key for f in ALL_FUNCTIONS)
                raise ValueError(f"unknown function {key!r}; choose from: {valid}")
            wanted.add(match[0].key)
    if with_agent_actions:
        wanted.add(AGENT_ACTION_GROUP.key)
    return [f for f in ALL_FUNCTIONS if f.key in wanted]


def read_env_file(path: str | Path) -> dict[str, str]:
    """The `KEY=value` pairs of a dotenv file (comments, `export ` prefixes and quotes handled).

    A missing file yields an empty mapping: every setting is optional and the functions then run on what they
    have (the health check reports the rest as not configured).
    """
    from dotenv import dotenv_values  # the parser pydantic-settings reads `.env` with

    path = Path(path)
    if not path.is_file():
        return {}
    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def function_environment(spec: FunctionSpec, env: Mapping[str, str], log_level: str | None = None) -> dict[str, str]:
    """The Lambda environment for one function: its known variables that are set, plus Powertools' settings.

    (The X-Ray tracer stays off, and is never imported, unless POWERTOOLS_TRACE_DISABLED=false, which the SAM
    template sets with active tracing: `concert_api.tracing`.)"""
    out = {name: env[name] for name in spec.env_names() if env.get(name)}
    out["POWERTOOLS_SERVICE_NAME"] = SERVICE_NAME
    out["LOG_LEVEL"] = log_level or env.get("LOG_LEVEL") or "INFO"
    return dict(sorted(out.items()))

"""Settings from the environment and an optional `.env` file: the one place configuration is read.

The AWS names are exactly the guide's (`AWS_REGION`, `REDSHIFT_CLUSTER_ID`, ...). The local platform's own
settings start with `CONCERT_`. With nothing set, the embedded defaults serve: DuckDB under `.concert-data/`,
the locally trained model and the local assistant.

A plain pydantic model reads them, as pydantic-settings' `BaseSettings` would (field aliases, case-insensitive
names, environment over `.env`, unknown names ignored): pydantic-settings costs a Lambda cold start about 40 ms
more than pydantic alone (it imports asyncio and the plugin machinery), for four lines of reading here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

WarehouseBackend = Literal["duckdb", "redshift-data", "postgres"]
AssistantBackend = Literal["local", "bedrock-agent", "bedrock-converse"]


class Settings(BaseModel):
    """Everything the handlers, the local server and the CLI can be configured with.

    `Settings()` reads the environment and `.env`; `Settings(_env_file=None)` the environment only; values given
    by name (`Settings(CONCERT_DATA_DIR=...)` or `Settings(data_dir=...)`) win over both."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    # --- AWS, with the guide's names ---------------------------------------------------------------
    aws_region: str = Field("us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    redshift_cluster_id: str | None = Field(None, validation_alias="REDSHIFT_CLUSTER_ID")
    redshift_workgroup_name: str | None = Field(None, validation_alias="REDSHIFT_WORKGROUP_NAME")
    redshift_database: str | None = Field(None, validation_alias="REDSHIFT_DATABASE")
    redshift_db_user: str | None = Field(None, validation_alias="REDSHIFT_DB_USER")
    redshift_secret_arn: str | None = Field(None, validation_alias="REDSHIFT_SECRET_ARN")
    bedrock_agent_id: str | None = Field(None, validation_alias="BEDROCK_AGENT_ID")
    bedrock_agent_alias_id: str | None = Field(None, validation_alias="BEDROCK_AGENT_ALIAS_ID")
    bedrock_model_id: str | None = Field(None, validation_alias="BEDROCK_MODEL_ID")
    sagemaker_venue_endpoint: str | None = Field(None, validation_alias="SAGEMAKER_VENUE_ENDPOINT")
    sagemaker_ticket_endpoint: str | None = Field(None, validation_alias="SAGEMAKER_TICKET_ENDPOINT")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL", description="DEBUG, INFO, WARNING or ERROR.")

    # --- The local platform -------------------------------------------------------------------------
    warehouse: WarehouseBackend | None = Field(
        None,
        validation_alias="CONCERT_WAREHOUSE",
        description="Warehouse backend; by default redshift-data when Redshift is configured, else duckdb.",
    )
    assistant: AssistantBackend | None = Field(
        None,
        validation_alias="CONCERT_ASSISTANT",
        description="Chat backend; by default bedrock-agent when an agent is configured, bedrock-converse when "
        "BEDROCK_MODEL_ID is set, else local.",
    )
    data_dir: Path = Field(Path(".concert-data"), validation_alias="CONCERT_DATA_DIR")
    postgres_dsn: str | None = Field(None, validation_alias="CONCERT_POSTGRES_DSN")
    max_body_bytes: int = Field(64 * 1024, validation_alias="CONCERT_MAX_BODY_BYTES")
    cors_allow_origin: str = Field(
        "*",
        validation_alias="CONCERT_CORS_ALLOW_ORIGIN",
        description="Origins whose web pages may read the API's answers: `*`, or a comma-separated list (a "
        "request's Origin is echoed when listed, else no CORS header is sent). `serve` defaults to its own "
        "console's origins, http://127.0.0.1:PORT and http://localhost:PORT.",
    )
    allowed_hosts: str | None = Field(
        None,
        validation_alias="CONCERT_ALLOWED_HOSTS",
        description="Host headers the local server answers (comma-separated, host or host:port; `*` for any), "
        "against DNS rebinding. `serve` defaults to 127.0.0.1:PORT and localhost:PORT; unset elsewhere (any).",
    )
    query_timeout_seconds: float = Field(25.0, validation_alias="CONCERT_QUERY_TIMEOUT_SECONDS")
    sessions_table: str | None = Field(
        None,
        validation_alias="CONCERT_SESSIONS_TABLE",
        description="DynamoDB table of the chat sessions (set on Lambda by the SAM template); else an embedded store.",
    )

    @model_validator(mode="before")
    @classmethod
    def _read_environment(cls, data: Any) -> Any:
        """Fill each field not given from the environment, then from the env file, by any of its names."""
        if not isinstance(data, dict):
            return data
        given = dict(data)
        env_file = given.pop("_env_file", ".env")
        given_names = {key.lower() for key in given}
        sources = [_lower_keys(os.environ), _lower_keys(_read_env_file(env_file))]
        for name, field in cls.model_fields.items():
            names = [name, *_aliases(field.validation_alias)]
            if any(n.lower() in given_names for n in names):
                continue
            for source in sources:
                found = next((source[n.lower()] for n in names if n.lower() in source), None)
                if found is not None:
                    given[name] = found
                    break
        return given

    @property
    def redshift_configured(self) -> bool:
        """Redshift is usable when a database and a cluster or a serverless workgroup are named."""
        return bool(self.redshift_database and (self.redshift_cluster_id or self.redshift_workgroup_name))

    @property
    def warehouse_backend(self) -> WarehouseBackend:
        """The backend in force: the explicit choice, else Redshift when configured, else the embedded DuckDB."""
        if self.warehouse:
            return self.warehouse
        return "redshift-data" if self.redshift_configured else "duckdb"

    @property
    def bedrock_agent_configured(self) -> bool:
        return bool(self.bedrock_agent_id and self.bedrock_agent_alias_id)

    @property
    def duckdb_path(self) -> Path:
        return _under(self.data_dir, "warehouse.duckdb")

    @property
    def model_dir(self) -> Path:
        return _under(self.data_dir, "models")


def _aliases(alias: Any) -> list[str]:
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return []


def _lower_keys(values: Mapping[str, str | None]) -> dict[str, str]:
    return {key.lower(): value for key, value in values.items() if value is not None}


def _read_env_file(path: str | Path | None) -> dict[str, str | None]:
    """The `KEY=value` lines of an env file (python-dotenv's parser, as pydantic-settings uses); none when there
    is no such file."""
    if not path or not Path(path).is_file():
        return {}
    from dotenv import dotenv_values

    return dict(dotenv_values(path, encoding="utf-8"))



@lru_cache(maxsize=16)
def _under(data_dir: Path, name: str) -> Path:
    """`data_dir / name`, built once: `/health` and every prediction ask for these paths."""
    return data_dir / name

@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (a Lambda execution environment keeps them across invocations).

    `CONCERT_ENV_FILE` names the env file (default `.env`; empty for none)."""
    env_file = os.environ.get("CONCERT_ENV_FILE", ".env") or None
    return Settings(_env_file=env_file)

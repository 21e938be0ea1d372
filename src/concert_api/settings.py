"""Settings from the environment and an optional `.env` file: the one place configuration is read.

The AWS names are exactly the guide's (`AWS_REGION`, `REDSHIFT_CLUSTER_ID`, ...). The local platform's own
settings start with `CONCERT_`. With nothing set, the embedded defaults serve: DuckDB under `.concert-data/`,
the locally trained model and the local assistant.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

WarehouseBackend = Literal["duckdb", "redshift-data", "postgres"]
AssistantBackend = Literal["local", "bedrock-agent", "bedrock-converse"]


class Settings(BaseSettings):
    """Everything the handlers, the local server and the CLI can be configured with."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False, populate_by_name=True
    )

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
    cors_allow_origin: str = Field("*", validation_alias="CONCERT_CORS_ALLOW_ORIGIN")
    query_timeout_seconds: float = Field(25.0, validation_alias="CONCERT_QUERY_TIMEOUT_SECONDS")
    sessions_table: str | None = Field(
        None,
        validation_alias="CONCERT_SESSIONS_TABLE",
        description="DynamoDB table of the chat sessions (set on Lambda by the SAM template); else an embedded store.",
    )

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
        return self.data_dir / "warehouse.duckdb"

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (a Lambda execution environment keeps them across invocations).

    `CONCERT_ENV_FILE` names the env file (default `.env`; empty for none)."""
    env_file = os.environ.get("CONCERT_ENV_FILE", ".env") or None
    return Settings(_env_file=env_file)

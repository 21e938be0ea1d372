"""The chat sessions table the deployer is told to use (`CONCERT_SESSIONS_TABLE`), created when it is missing,
in the template's shape (`sam_functions.sessions_table`): on-demand, encrypted, keyed on `session_id`, items
expiring by TTL on `expires_at`. An existing table is only read: its time to live is turned on when it is off,
and nothing else about it is changed."""

from __future__ import annotations

from typing import Any

from concert_tools.deploy.deploy_config import FunctionResult
from concert_tools.deploy.sam_functions import sessions_table

KEY = "session_id"
TTL_ATTRIBUTE = "expires_at"


def create_table_request(name: str, tags: dict[str, str]) -> dict[str, Any]:
    """The CreateTable arguments: the template's table properties, with this table's name and tags."""
    properties = sessions_table()["Properties"]
    return {
        "TableName": name,
        "BillingMode": properties["BillingMode"],
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "SSESpecification": {"Enabled": properties["SSESpecification"]["SSEEnabled"]},
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


def ensure_sessions_table(dynamodb: Any, name: str, tags: dict[str, str], result: FunctionResult) -> None:
    """Create the table when it is missing (and wait until it is active), then make sure its items expire."""
    try:
        table = dynamodb.describe_table(TableName=name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        dynamodb.create_table(**create_table_request(name, tags))
        dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        result.actions.append(f"created sessions table {name}")
    else:
        if [k["AttributeName"] for k in table["KeySchema"] if k["KeyType"] == "HASH"] != [KEY]:
            raise ValueError(f"sessions table {name} is not keyed on {KEY}; give another CONCERT_SESSIONS_TABLE")
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
        )
        result.actions.append(f"turned on time to live ({TTL_ATTRIBUTE}) on {name}")

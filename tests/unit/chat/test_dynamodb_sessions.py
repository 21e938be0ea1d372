"""Chat sessions in DynamoDB (issue 14, finding 5): a conversation continues on whichever Lambda container serves
the next turn. Tested against moto's DynamoDB, with the table created exactly as template.yaml defines it.

What moto does not show: DynamoDB's TTL deletes expired items only eventually (within days), which is why the store
ignores an expired item itself; the test's clock makes an item expire without waiting.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from moto import mock_aws

from concert_api.adapters.assistants.bedrock_converse import ConverseRuntime
from concert_api.adapters.sessions.dynamodb import DynamoDbSessionStore
from concert_api.errors import DependencyThrottled, error_response
from concert_api.models import ChatRequest
from concert_api.services.chat.bedrock_converse import ConverseAssistant
from concert_tools.deploy.sam import TEMPLATE_PATH

TABLE = "concert-api-chat-sessions"


@pytest.fixture
def dynamodb(monkeypatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        table = yaml.safe_load(TEMPLATE_PATH.read_text())["Resources"]["SessionsTable"]["Properties"]
        client.create_table(TableName=TABLE, BillingMode=table["BillingMode"], KeySchema=table["KeySchema"],
                            AttributeDefinitions=table["AttributeDefinitions"])  # fmt: skip
        client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification=table["TimeToLiveSpecification"])
        yield client


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_written_by_one_container_is_read_by_another(dynamodb):
    # given two execution environments, each with its own store (and client)
    first = DynamoDbSessionStore(TABLE, region="us-east-1")
    second = DynamoDbSessionStore(TABLE, region="us-east-1")
    # when the first saves the conversation
    first.put("conv-1", {"messages": [{"role": "user", "content": [{"text": "hello"}]}], "turn": 1})
    # then the second continues it
    assert second.get("conv-1") == {"messages": [{"role": "user", "content": [{"text": "hello"}]}], "turn": 1}
    assert second.get("unknown") is None


def test_an_expired_session_is_forgotten_before_dynamodb_deletes_it(dynamodb):
    clock = Clock()
    store = DynamoDbSessionStore(TABLE, region="us-east-1", ttl=60, clock=clock)
    store.put("conv-2", {"turn": 1})
    item = dynamodb.get_item(TableName=TABLE, Key={"session_id": {"S": "conv-2"}})["Item"]
    assert int(item["expires_at"]["N"]) == int(clock.now + 60)  # the attribute DynamoDB's TTL reads
    clock.now += 61
    assert store.get("conv-2") is None


def test_the_store_uses_only_the_two_actions_its_role_grants(dynamodb):
    from concert_tools.deploy.policy import PolicyContext, function_policy
    from concert_tools.deploy.spec import FUNCTIONS_BY_KEY

    client = boto3.client("dynamodb", region_name="us-east-1")
    called: list[str] = []
    client.meta.events.register("before-call.dynamodb", lambda model, **_: called.append(model.name))
    store = DynamoDbSessionStore(TABLE, client=client)
    store.put("conv-3", {"turn": 1})
    store.get("conv-3")
    ctx = PolicyContext.from_env({"CONCERT_SESSIONS_TABLE": TABLE}, region="us-east-1", account="123456789012")
    doc = function_policy(FUNCTIONS_BY_KEY["chatbot"], "concert-api-chatbot", ctx)
    grant = next(st for st in doc["Statement"] if st["Sid"] == "ChatSessions")
    assert {f"dynamodb:{name}" for name in called} == set(grant["Action"])
    assert grant["Resource"] == f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE}"


def test_throttling_is_a_503_without_the_tables_name():
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(client) as stub:
        stub.add_client_error("get_item", "ProvisionedThroughputExceededException", f"table {TABLE} busy")
        with pytest.raises(DependencyThrottled) as caught:
            DynamoDbSessionStore(TABLE, client=client).get("conv-4")
    status, body, headers = error_response(caught.value)
    assert status == 503 and TABLE not in body["details"] and headers.get("Retry-After")


def _answer(text: str) -> dict[str, Any]:
    return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}, "metrics": {"latencyMs": 1}}  # fmt: skip


def _container(tool_context: Any) -> tuple[ConverseAssistant, Stubber, list[dict[str, Any]]]:
    """One Lambda container's Converse assistant: its own Bedrock client (stubbed) and its own session store."""
    bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")
    sent: list[dict[str, Any]] = []
    bedrock.meta.events.register("provide-client-params.bedrock-runtime.Converse",
                                 lambda params, **_: sent.append(params))  # fmt: skip
    runtime = ConverseRuntime(bedrock, model_id="us.anthropic.claude-3-5-haiku-20241022-v1:0")
    assistant = ConverseAssistant(runtime, tool_context=lambda: tool_context,
                                  sessions=DynamoDbSessionStore(TABLE, region="us-east-1"))  # fmt: skip
    return assistant, Stubber(bedrock), sent


def test_the_converse_follow_up_on_another_container_remembers_the_conversation(dynamodb, tool_context):
    # given a first turn served by container A
    a, stub_a, _ = _container(tool_context)
    stub_a.add_response("converse", _answer("Radiohead plays Austin on 4 July."))
    with stub_a:
        a.reply(ChatRequest(message="When does Radiohead play?", session_id="conv-5"))
    # when the follow-up is served by container B
    b, stub_b, sent_b = _container(tool_context)
    stub_b.add_response("converse", _answer("Tickets start at $49."))
    with stub_b:
        b.reply(ChatRequest(message="How much are tickets?", session_id="conv-5"))
    # then B sent the model the whole conversation
    texts = [block["text"] for m in sent_b[0]["messages"] for block in m["content"] if "text" in block]
    assert texts == ["When does Radiohead play?", "Radiohead plays Austin on 4 July.", "How much are tickets?"]


def test_the_composition_picks_dynamodb_when_the_table_is_set(monkeypatch, tmp_path, dynamodb):
    from concert_api import composition
    from concert_api.adapters.sessions.embedded import SqliteSessionStore
    from concert_api.composition.sessions import build_session_store
    from concert_api.settings import Settings

    monkeypatch.setenv("CONCERT_DATA_DIR", str(tmp_path))
    assert isinstance(build_session_store(Settings()), SqliteSessionStore)  # the local default is unchanged
    monkeypatch.setenv("CONCERT_SESSIONS_TABLE", TABLE)
    assert isinstance(build_session_store(Settings()), DynamoDbSessionStore)
    # and the Converse assistant (on Lambda) keeps its sessions there
    monkeypatch.setenv("BEDROCK_MODEL_ID", "us.anthropic.claude-3-5-haiku-20241022-v1:0")
    composition.reset()
    assert isinstance(composition.assistant().sessions, DynamoDbSessionStore)  # type: ignore[attr-defined]

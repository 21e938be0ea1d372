"""The Converse tool-use loop with botocore's Stubber (Converse answers plain JSON, so Stubber can)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from concert_api.errors import DependencyThrottled
from concert_api.models import ChatRequest
from concert_api.services.chat.bedrock_converse import ConverseAssistant
from concert_api.services.chat.retries import RetryPolicy
from concert_api.services.chat.schemas import converse_tool_config
from concert_api.services.chat.tools import TOOLS


def answer(content, stop_reason):
    return {"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop_reason,
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15}, "metrics": {"latencyMs": 12}}


@pytest.fixture
def converse(tool_context):
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    sent: list[dict] = []
    client.meta.events.register("provide-client-params.bedrock-runtime.Converse",
                                lambda params, **_: sent.append(params))
    sleeps: list[float] = []
    assistant = ConverseAssistant(client, model_id="anthropic.claude-3-haiku-20240307-v1:0",
                                  tool_context=lambda: tool_context, retry=RetryPolicy(base_delay=0.01),
                                  sleep=sleeps.append)
    with Stubber(client) as stub:
        yield assistant, stub, sent, sleeps


def test_the_model_calls_a_tool_and_answers_from_its_result(converse):
    assistant, stub, sent, _ = converse
    stub.add_response("converse", answer([{"toolUse": {"toolUseId": "t1", "name": "venue_rankings",
                                                       "input": {"top_n": 2}}}], "tool_use"))
    stub.add_response("converse", answer([{"text": "The top venue is X."}], "end_turn"))
    r = assistant.reply(ChatRequest(message="top 2 venues?", session_id="conv-1"))
    assert r.message == "The top venue is X." and r.intent == "venue_popularity"
    assert r.data["tool"] == "venue_rankings" and len(r.data["result"]["venues"]) == 2
    assert sent[0]["toolConfig"] == converse_tool_config()
    assert {t["toolSpec"]["name"] for t in sent[0]["toolConfig"]["tools"]} == {t.name for t in TOOLS}
    tool_result = sent[1]["messages"][-1]["content"][0]["toolResult"]
    assert tool_result["toolUseId"] == "t1" and tool_result["status"] == "success"
    assert tool_result["content"][0]["json"]["result"]["venues"][0]["popularity_rank"] == 1
    stub.assert_no_pending_responses()


def test_a_bad_tool_call_goes_back_as_an_error_and_history_is_kept(converse):
    assistant, stub, sent, _ = converse
    stub.add_response("converse", answer([{"toolUse": {"toolUseId": "t1", "name": "artist_lookup",
                                                       "input": {"artist": "Nobody At All"}}}], "tool_use"))
    stub.add_response("converse", answer([{"text": "I could not find that artist."}], "end_turn"))
    stub.add_response("converse", answer([{"text": "Hello again."}], "end_turn"))
    r = assistant.reply(ChatRequest(message="who is Nobody At All?", session_id="conv-2"))
    tool_result = sent[1]["messages"][-1]["content"][0]["toolResult"]
    assert tool_result["status"] == "error" and "Nobody At All" in tool_result["content"][0]["text"]
    assert r.intent == "agent" and r.data["tool_calls"][0]["error"]
    assistant.reply(ChatRequest(message="hi", session_id="conv-2"))
    assert [m["role"] for m in sent[2]["messages"]] == ["user", "assistant", "user"]


def test_throttling_is_retried_then_mapped(converse):
    assistant, stub, _, sleeps = converse
    stub.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    stub.add_response("converse", answer([{"text": "fine"}], "end_turn"))
    assert assistant.reply(ChatRequest(message="hi")).message == "fine" and len(sleeps) == 1
    for _ in range(3):
        stub.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    with pytest.raises(DependencyThrottled):
        assistant.reply(ChatRequest(message="hi"))

"""The Converse tool-use loop with botocore's Stubber (Converse answers plain JSON, so Stubber can)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from concert_api.adapters.assistants.bedrock_converse import ConverseRuntime
from concert_api.adapters.assistants.retries import RetryPolicy
from concert_api.errors import DependencyThrottled, DependencyTimeout
from concert_api.models import ChatRequest
from concert_api.services.chat.bedrock_converse import ConverseAssistant
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
    runtime = ConverseRuntime(client, model_id="anthropic.claude-3-haiku-20240307-v1:0",
                              retry=RetryPolicy(base_delay=0.01), sleep=sleeps.append)
    assistant = ConverseAssistant(runtime, tool_context=lambda: tool_context)
    with Stubber(client) as stub:
        yield assistant, stub, sent, sleeps


def test_the_model_calls_a_tool_and_answers_from_its_result(converse):
    assistant, stub, sent, _ = converse
    stub.add_response("converse", answer([{"toolUse": {"toolUseId": "t1", "name": "venue_rankings",
                                                       "input": {"top_n": 2}}}], "tool_use"))
    stub.add_response("converse", answer([{"text": "The top venue is X."}], "end_turn"))
    r = assistant.reply(ChatRequest(message="top 2 venues?", session_id="conv-1"))
    assert r.message == "The top venue is X." and (r.intent, r.confidence) == ("venue_popularity", 1.0)
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
    assert (r.intent, r.confidence) == ("artist_lookup", 0.5)  # the tool it chose, which failed
    assert r.data["tool_calls"][0]["error"] and "result" not in r.data
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


class FakeClock:
    """Monotonic seconds that advance only when told (each Converse call "takes" `per_call` seconds)."""

    def __init__(self, per_call: float = 0.0) -> None:
        self.now = 1000.0
        self.per_call = per_call

    def __call__(self) -> float:
        return self.now

    def call(self, **_):
        self.now += self.per_call


def timed(tool_context, clock, *, deadline_seconds=25.0, rounds=4):
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    client.meta.events.register("provide-client-params.bedrock-runtime.Converse", clock.call)
    retry = RetryPolicy(base_delay=0.01, deadline_seconds=deadline_seconds)
    runtime = ConverseRuntime(client, model_id="m", retry=retry, sleep=lambda s: None, clock=clock)
    assistant = ConverseAssistant(runtime, tool_context=lambda: tool_context, max_tool_rounds=rounds)
    return assistant, client


def tool_use(n):
    return answer([{"toolUse": {"toolUseId": f"t{n}", "name": "venue_rankings", "input": {"top_n": 1}}}],
                  "tool_use")


def test_the_tool_loop_stops_with_a_504_when_the_budget_runs_out(tool_context):
    """5 rounds x 10 s cannot fit in 25 s: the 4th round is not started (t=30 s), a 504 is raised instead."""
    clock = FakeClock(per_call=10.0)
    assistant, client = timed(tool_context, clock)
    with Stubber(client) as stub:
        for n in range(3):
            stub.add_response("converse", tool_use(n))
        with pytest.raises(DependencyTimeout) as info:
            assistant.reply(ChatRequest(message="top venue?", session_id="conv-t1"))
        stub.assert_no_pending_responses()
    assert info.value.status_code == 504 and "round 4" in info.value.internal


def test_the_lambda_deadline_bounds_the_loop(tool_context):
    """Under the entry point's deadline (3 s left), one 10 s round is all that fits."""
    from concert_api.deadline import deadline

    clock = FakeClock(per_call=10.0)
    assistant, client = timed(tool_context, clock)
    with Stubber(client) as stub, deadline(3.0):
        stub.add_response("converse", tool_use(0))
        with pytest.raises(DependencyTimeout):
            assistant.reply(ChatRequest(message="top venue?", session_id="conv-t2"))
        stub.assert_no_pending_responses()


def test_no_round_starts_without_enough_time(tool_context):
    from concert_api.deadline import deadline

    assistant, client = timed(tool_context, FakeClock())
    with Stubber(client) as stub, deadline(0.5):
        with pytest.raises(DependencyTimeout):
            assistant.reply(ChatRequest(message="hi"))
        stub.assert_no_pending_responses()  # nothing was sent


def test_a_retry_that_would_overrun_the_deadline_is_a_504(tool_context):
    clock = FakeClock(per_call=10.0)
    assistant, client = timed(tool_context, clock, deadline_seconds=12.0)
    with Stubber(client) as stub:
        stub.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
        with pytest.raises(DependencyTimeout) as info:
            assistant.reply(ChatRequest(message="hi"))
        stub.assert_no_pending_responses()
    assert "ThrottlingException" in info.value.internal


def test_rounds_within_the_budget_finish(tool_context):
    clock = FakeClock(per_call=5.0)
    assistant, client = timed(tool_context, clock)
    with Stubber(client) as stub:
        stub.add_response("converse", tool_use(0))
        stub.add_response("converse", tool_use(1))
        stub.add_response("converse", answer([{"text": "Done."}], "end_turn"))
        assert assistant.reply(ChatRequest(message="top venue?")).message == "Done."


def test_a_follow_up_turn_carries_the_last_tools_parameters_and_listed_things(converse):
    # given a turn that ran a venue ranking
    assistant, stub, sent, _ = converse
    stub.add_response("converse", answer([{"toolUse": {"toolUseId": "t1", "name": "venue_rankings",
                                                       "input": {"top_n": 2}}}], "tool_use"))
    stub.add_response("converse", answer([{"text": "Two venues."}], "end_turn"))
    stub.add_response("converse", answer([{"text": "The second one is..."}], "end_turn"))
    first = assistant.reply(ChatRequest(message="top 2 venues?", session_id="conv-follow"))
    # when the next message points back at it
    assistant.reply(ChatRequest(message="tell me about the second one", session_id="conv-follow"))
    # then the system prompt of that turn holds the tool, its parameters and the venues in order
    system = sent[2]["system"][0]["text"]
    assert "Previous answer (for follow-ups)" not in sent[0]["system"][0]["text"]
    names = [v["name"] for v in first.data["result"]["venues"]]
    assert '"tool":"venue_rankings"' in system and '"top_n":2' in system
    assert system.index(names[0]) < system.index(names[1])
    assert "I can't do that here" in system and "forward" in system and "backward" in system

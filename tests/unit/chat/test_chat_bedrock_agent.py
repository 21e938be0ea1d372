"""The Bedrock Agent backend against botocore's real `bedrock-agent-runtime` model and parser, through a
wire-level fake that speaks AWS's event-stream framing (see fake_bedrock_agent for what it cannot do)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from tests.unit.chat.fake_bedrock_agent import (
    FakeAgentRuntime,
    chunk,
    exception,
    recorded_trace,
    trace,
    trace_action_group,
)

from concert_api.adapters.assistants.bedrock_agent import BedrockAgentRuntime
from concert_api.adapters.assistants.retries import RetryPolicy
from concert_api.errors import BadRequest, DependencyError, DependencyThrottled
from concert_api.models import ChatRequest
from concert_api.services.chat.bedrock_agent import BedrockAgentAssistant


@pytest.fixture
def fake():
    with FakeAgentRuntime() as server:
        yield server


def client_for(fake):
    return boto3.client("bedrock-agent-runtime", region_name="us-east-1", endpoint_url=fake.url,
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(retries={"total_max_attempts": 1}, read_timeout=5))


def assistant_for(fake, sleeps, *, log_traces=False, attempts=3):
    return BedrockAgentAssistant(BedrockAgentRuntime(
        client_for(fake), agent_id="AGENT12345", agent_alias_id="ALIAS12345", log_traces=log_traces,
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.01), sleep=sleeps.append))


def test_chunks_are_assembled_then_decoded_and_the_trace_gives_intent_and_data(fake):
    answer = "Chicago Auditorium ranks 1st — 85.4% attendance.".encode()
    split = answer.index("—".encode()) + 1  # inside the 3-byte em dash
    result = {"tool": "venue_rankings", "parameters": {"top_n": 1, "city": "Chicago"},
              "result": {"venues": [{"venue_id": "venue_012", "name": "Chicago Auditorium", "city": "Chicago",
                                     "state": "IL", "popularity_rank": 1, "avg_attendance_rate": 0.854,
                                     "total_concerts": 35, "revenue_per_event": 1.0}], "total_venues": 1}}
    fake.script([*trace_action_group("venue_rankings", {"top_n": 1, "city": "Chicago"}, result),
                 chunk(answer[:split]), chunk(answer[split:])])
    sleeps: list[float] = []
    r = assistant_for(fake, sleeps).reply(ChatRequest(message="best venue in Chicago?", session_id="sess-1",
                                                      user_id="user_001"))
    assert r.message == answer.decode()
    assert (r.intent, r.confidence, r.session_id) == ("venue_popularity", 1.0, "sess-1")
    assert r.data["tool"] == "venue_rankings" and r.data["parameters"] == {"top_n": 1, "city": "Chicago"}
    assert "Upcoming concerts at Chicago Auditorium" in r.suggestions
    request = fake.requests[0]
    assert request["path"] == "/agents/AGENT12345/agentAliases/ALIAS12345/sessions/sess-1/text"
    assert request["body"]["sessionState"] == {"sessionAttributes": {"user_id": "user_001"}}
    assert request["body"]["enableTrace"] is True and request["body"]["inputText"] == "best venue in Chicago?"
    assert "AWS4-HMAC-SHA256" in request["headers"]["Authorization"]  # signed (the fake does not verify it)


def test_a_throttling_exception_mid_stream_is_retried(fake):
    fake.script([chunk(b"partial answer that must be discarded"),
                 exception("throttlingException", "Rate exceeded"), chunk(b"never sent")],
                [chunk(b"The whole answer.")])
    sleeps: list[float] = []
    r = assistant_for(fake, sleeps).reply(ChatRequest(message="hi"))
    assert r.message == "The whole answer." and r.data["attempts"] == 2 and len(sleeps) == 1
    assert (r.intent, r.confidence) == ("agent", 0.3)  # no action group in the trace
    assert all(request["body"]["enableTrace"] is True for request in fake.requests)


def test_throttling_that_persists_is_a_503_after_bounded_retries(fake):
    for _ in range(3):
        fake.script([exception("throttlingException", "Rate exceeded")])
    sleeps: list[float] = []
    with pytest.raises(DependencyThrottled) as info:
        assistant_for(fake, sleeps).reply(ChatRequest(message="hi"))
    assert info.value.status_code == 503 and len(fake.requests) == 3 and len(sleeps) == 2
    assert sleeps[1] >= sleeps[0] * 0.5  # exponential backoff with jitter


def test_an_http_429_before_the_stream_is_retried_too(fake):
    fake.fail_with(429)
    fake.script([chunk(b"ok")])
    sleeps: list[float] = []
    assert assistant_for(fake, sleeps).reply(ChatRequest(message="hi")).message == "ok"


def test_a_non_transient_error_is_a_502_without_retry(fake):
    fake.script([exception("validationException", "bad input")])
    sleeps: list[float] = []
    with pytest.raises(DependencyError) as info:
        assistant_for(fake, sleeps).reply(ChatRequest(message="hi"))
    assert info.value.status_code == 502 and "validationException" in info.value.internal
    assert "bad input" not in info.value.details and sleeps == []


def test_session_ids_are_checked_against_the_api_rules(fake):
    sleeps: list[float] = []
    with pytest.raises(BadRequest):
        assistant_for(fake, sleeps).reply(ChatRequest.model_construct(message="hi", session_id="bad id!",
                                                                      user_id=None))
    assert fake.requests == []


def test_from_settings_fits_the_read_timeout_inside_the_function_timeout(monkeypatch):
    from concert_api.settings import Settings

    monkeypatch.setenv("BEDROCK_AGENT_ID", "AGENT12345")
    monkeypatch.setenv("BEDROCK_AGENT_ALIAS_ID", "ALIAS12345")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    assistant = BedrockAgentAssistant.from_settings(Settings(), function_timeout=30)
    config = assistant.agent.client.meta.config
    assert config.read_timeout == 25 and config.retries["total_max_attempts"] == 1
    assert assistant.agent.log_traces
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    assert not BedrockAgentAssistant.from_settings(Settings(), function_timeout=30).agent.log_traces


def test_no_attempt_starts_without_enough_time_left(fake):
    from concert_api.deadline import deadline
    from concert_api.errors import DependencyTimeout

    sleeps: list[float] = []
    with deadline(1.0), pytest.raises(DependencyTimeout) as info:
        assistant_for(fake, sleeps).reply(ChatRequest(message="hi"))
    assert info.value.status_code == 504 and fake.requests == []


def test_retries_stop_at_the_deadline_with_a_504(fake):
    """A fake clock: each wait between attempts "takes" 20 s of a 25 s budget, so the third attempt never
    starts (with 3 attempts allowed)."""
    from concert_api.errors import DependencyTimeout

    for _ in range(3):
        fake.script([exception("throttlingException", "Rate exceeded")])
    now = [0.0]
    client = boto3.client("bedrock-agent-runtime", region_name="us-east-1", endpoint_url=fake.url,
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(retries={"total_max_attempts": 1}, read_timeout=5))

    def sleep(seconds: float) -> None:
        now[0] += 20.0

    assistant = BedrockAgentAssistant(BedrockAgentRuntime(
        client, agent_id="AGENT12345", agent_alias_id="ALIAS12345",
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, deadline_seconds=25.0), sleep=sleep, clock=lambda: now[0]))
    with pytest.raises(DependencyTimeout):
        assistant.reply(ChatRequest(message="hi"))
    assert len(fake.requests) == 2


# --- intent and confidence from recorded traces --------------------------------------------------------------


def script_recorded(fake, name):
    parts, answer = recorded_trace(name)
    fake.script([*(trace(part) for part in parts), *([chunk(answer.encode())] if answer else [])])
    return parts, answer


def test_the_recorded_trace_frames_are_aws_shapes_that_botocore_parses_unchanged(fake):
    """botocore's parser keeps only the members its `bedrock-agent-runtime` model knows, with their types: a
    recorded part that came back different would not be the shape AWS documents."""
    parts, _ = script_recorded(fake, "openapi_tool_result")
    response = client_for(fake).invoke_agent(agentId="AGENT12345", agentAliasId="ALIAS12345",
                                             sessionId="sess-trace", inputText="hi", enableTrace=True)
    parsed = [event["trace"] for event in response["completion"] if "trace" in event]
    assert parsed == parts


def test_an_openapi_tool_call_in_the_trace_gives_its_intent_with_full_confidence(fake):
    _, answer = script_recorded(fake, "openapi_tool_result")
    sleeps: list[float] = []
    r = assistant_for(fake, sleeps).reply(ChatRequest(message="concerts in Chicago?", session_id="sess-trace"))
    assert r.message == answer and (r.intent, r.confidence) == ("concert_search", 1.0)
    assert r.data["tool"] == "concert_search"
    assert r.data["parameters"] == {"city": "Chicago", "when": "upcoming", "limit": 2}  # as the tool validated them
    assert r.data["result"]["total_matches"] == 7
    call = r.data["tool_calls"][0]
    assert call["action_group"] == "concert-tools" and "error" not in call
    assert r.data["rationale"] == "concert_search returned 2 of 7 concerts; I can answer now."
    assert fake.requests[0]["body"]["enableTrace"] is True


def test_a_tool_that_failed_gives_its_intent_with_lower_confidence(fake):
    _, answer = script_recorded(fake, "function_tool_error")
    sleeps: list[float] = []
    r = assistant_for(fake, sleeps).reply(ChatRequest(message="tell me about Olivia Roice"))
    assert r.message == answer and (r.intent, r.confidence) == ("artist_lookup", 0.5)
    assert r.data["tool_calls"] == [{"tool": "artist_lookup", "action_group": "concert-tools",
                                     "parameters": {"artist": "Olivia Roice"},
                                     "error": "No artist named 'Olivia Roice'."}]
    assert "tool" not in r.data and "result" not in r.data


def test_an_answer_without_a_tool_is_the_agents_own_with_low_confidence(fake):
    _, answer = script_recorded(fake, "no_tool")
    sleeps: list[float] = []
    r = assistant_for(fake, sleeps).reply(ChatRequest(message="hello"))
    assert r.message == answer and (r.intent, r.confidence) == ("agent", 0.3)
    assert r.data["tool_calls"] == [] and r.data["rationale"] == "The user greets me; no function is needed."


def test_input_rejected_by_pre_processing_is_out_of_scope(fake):
    script_recorded(fake, "rejected")
    sleeps: list[float] = []
    r = assistant_for(fake, sleeps).reply(ChatRequest(message="what should I take for a headache?"))
    assert (r.intent, r.confidence) == ("out_of_scope", 1.0)


def test_a_failure_trace_then_dependency_failed_is_a_502_without_retry(fake):
    """An action-group FAILURE ends the agent's turn with `dependencyFailedException` after the failure trace."""
    parts, _ = recorded_trace("failure")
    fake.script([*(trace(part) for part in parts), exception("dependencyFailedException", "action group failed")])
    sleeps: list[float] = []
    with pytest.raises(DependencyError) as info:
        assistant_for(fake, sleeps).reply(ChatRequest(message="sales in Austin"))
    assert info.value.status_code == 502 and len(fake.requests) == 1 and sleeps == []


@pytest.mark.parametrize("log_traces", [False, True])
def test_full_traces_are_logged_only_at_debug(fake, monkeypatch, log_traces):
    logged: list[dict] = []
    monkeypatch.setattr("concert_api.adapters.assistants.bedrock_agent.logger.debug",
                        lambda message, extra=None, **_: logged.append({"message": message, **(extra or {})}))
    parts, _ = script_recorded(fake, "openapi_tool_result")
    sleeps: list[float] = []
    r = assistant_for(fake, sleeps, log_traces=log_traces).reply(ChatRequest(message="concerts in Chicago?"))
    traces = [entry["trace"] for entry in logged if entry["message"] == "Bedrock agent trace"]
    assert traces == ([part["trace"] for part in parts] if log_traces else [])
    assert (r.intent, r.confidence) == ("concert_search", 1.0)  # the same answer either way

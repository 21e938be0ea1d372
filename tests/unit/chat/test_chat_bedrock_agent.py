"""The Bedrock Agent backend against botocore's real `bedrock-agent-runtime` model and parser, through a
wire-level fake that speaks AWS's event-stream framing (see fake_bedrock_agent for what it cannot do)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from tests.unit.chat.fake_bedrock_agent import FakeAgentRuntime, chunk, exception, trace_action_group

from concert_api.errors import BadRequest, DependencyError, DependencyThrottled
from concert_api.models import ChatRequest
from concert_api.services.chat.bedrock_agent import BedrockAgentAssistant
from concert_api.services.chat.retries import RetryPolicy


@pytest.fixture
def fake():
    with FakeAgentRuntime() as server:
        yield server


def assistant_for(fake, sleeps, *, trace=True, attempts=3):
    client = boto3.client("bedrock-agent-runtime", region_name="us-east-1", endpoint_url=fake.url,
                          aws_access_key_id="testing", aws_secret_access_key="testing",
                          config=Config(retries={"total_max_attempts": 1}, read_timeout=5))
    return BedrockAgentAssistant(client, agent_id="AGENT12345", agent_alias_id="ALIAS12345", enable_trace=trace,
                                 retry=RetryPolicy(max_attempts=attempts, base_delay=0.01), sleep=sleeps.append)


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
    r = assistant_for(fake, sleeps, trace=False).reply(ChatRequest(message="hi"))
    assert r.message == "The whole answer." and r.data["attempts"] == 2 and len(sleeps) == 1
    assert (r.intent, r.confidence) == ("agent", 0.0)  # no trace: the agent names no intent
    assert fake.requests[0]["body"]["enableTrace"] is False


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
    config = assistant.client.meta.config
    assert config.read_timeout == 25 and config.retries["total_max_attempts"] == 1
    assert assistant.enable_trace


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

    assistant = BedrockAgentAssistant(client, agent_id="AGENT12345", agent_alias_id="ALIAS12345",
                                      retry=RetryPolicy(max_attempts=3, base_delay=0.01, deadline_seconds=25.0),
                                      sleep=sleep, clock=lambda: now[0])
    with pytest.raises(DependencyTimeout):
        assistant.reply(ChatRequest(message="hi"))
    assert len(fake.requests) == 2

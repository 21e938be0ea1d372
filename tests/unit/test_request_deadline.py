"""Finding 1 of issue 14: one request deadline, honoured by every outbound call.

The SageMaker test talks to a loopback HTTP server that answers `InvokeEndpoint` slowly, through a real botocore
client (real signing, real timeouts, real retries). What that fake cannot show is AWS's own side: SageMaker keeps
running an invocation the client gave up on (for at most its 60 s limit), so the cut is on our side only.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from tests.conftest import FakeLambdaContext

from concert_api.adapters.aws_clients import deadline_client
from concert_api.adapters.predictors.sagemaker import SageMakerTicketPredictor
from concert_api.deadline import (
    API_GATEWAY_LIMIT_SECONDS,
    DEADLINE_MARGIN_SECONDS,
    call_budget,
    deadline,
    remaining_seconds,
    request_seconds,
)
from concert_api.errors import DependencyTimeout, error_response

# --- the deadline's value ---------------------------------------------------------------------------------


def test_a_60_s_function_gets_api_gateways_limit_not_its_own_timeout():
    # given a 60 s function just invoked, behind API Gateway (29 s REST, 30 s HTTP API)
    context = FakeLambdaContext(remaining_ms=59_900)
    # when the deadline is computed with the default 25 s query timeout raised to 60 s
    seconds = request_seconds(context, 60.0)
    # then the request ends before API Gateway gives up, so the client gets our error body
    assert seconds == pytest.approx(API_GATEWAY_LIMIT_SECONDS - DEADLINE_MARGIN_SECONDS)
    assert seconds < 29


def test_the_configured_query_timeout_caps_the_deadline():
    assert request_seconds(FakeLambdaContext(remaining_ms=29_000), 10.0) == 10.0


def test_the_lambdas_remaining_time_caps_the_deadline_with_a_margin():
    assert request_seconds(FakeLambdaContext(remaining_ms=3_000), 25.0) == pytest.approx(2.5)


def test_a_function_without_api_gateway_is_bounded_by_lambda_and_configuration_only():
    context = FakeLambdaContext(remaining_ms=59_900)
    assert request_seconds(context, 60.0, gateway_limit=None) == pytest.approx(59.4)


def test_the_deadline_never_drops_to_zero():
    assert request_seconds(FakeLambdaContext(remaining_ms=100), 25.0) > 0


def test_the_entry_point_sets_the_deadline_from_all_three_limits(monkeypatch):
    # given a handler whose work records how much time it was given
    from concert_api.handlers.runtime import api_endpoint
    from concert_api.models import HealthResponse

    seen: list[float] = []

    def work(_request: Any) -> Any:
        seen.append(remaining_seconds(float("inf")))
        return HealthResponse(status="healthy", timestamp="t", version="v", services={})

    handler = api_endpoint(name="probe", method="GET", path="/probe", event="probe")(work)
    # when a 60 s function is invoked with CONCERT_QUERY_TIMEOUT_SECONDS=60
    monkeypatch.setenv("CONCERT_QUERY_TIMEOUT_SECONDS", "60")
    from concert_api.settings import get_settings

    get_settings.cache_clear()
    handler({"httpMethod": "GET", "path": "/probe"}, FakeLambdaContext(remaining_ms=60_000))
    # then the work had API Gateway's 29 s less the margin, not 59.5 s
    assert seen and 28.0 < seen[0] <= 28.5


# --- sizing clients from what remains --------------------------------------------------------------------


def test_the_preferred_client_settings_are_used_when_they_fit():
    with deadline(25.0):
        budget = call_budget(2.0, 8.0, 2, default=25.0)
    assert (budget.connect_timeout, budget.read_timeout, budget.max_attempts) == (2.0, 8.0, 2)


def test_near_the_deadline_one_short_attempt_is_made():
    with deadline(3.0):
        budget = call_budget(2.0, 8.0, 2, default=25.0)
    assert budget.max_attempts == 1
    assert budget.connect_timeout + budget.read_timeout <= 3.0


def test_a_deadline_client_builds_its_botocore_client_from_the_time_left():
    client = deadline_client("sagemaker-runtime", region="us-east-1", connect_timeout=2, read_timeout=8,
                             max_attempts=2, default_seconds=25)  # fmt: skip
    with deadline(4.0):
        config = client.meta.config
    assert config.read_timeout + config.connect_timeout <= 4.0
    assert config.retries["total_max_attempts"] == 1
    with deadline(25.0):
        assert client.meta.config.read_timeout == 8


# --- SageMaker over the wire -----------------------------------------------------------------------------


class _SlowEndpoint(BaseHTTPRequestHandler):
    delay = 10.0
    calls: ClassVar[list[float]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).calls.append(time.monotonic())
        time.sleep(self.delay)
        body = json.dumps({"predictions": []}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up, as it should
            pass

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def slow_endpoint(monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    _SlowEndpoint.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowEndpoint)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sagemaker_with_3_s_left_answers_504_within_the_deadline(slow_endpoint):
    # given an endpoint that takes 10 s and a request with 3 s left (the audit's case: 504 after 16.2 s)
    predictor = SageMakerTicketPredictor("ticket-sales", region="us-east-1", endpoint_url=slow_endpoint)
    started = time.monotonic()
    # when the prediction is asked for
    with deadline(request_seconds(FakeLambdaContext(remaining_ms=3_500), 25.0)), pytest.raises(
        DependencyTimeout
    ) as caught:
        predictor.predict([{"genre": "rock"}])
    elapsed = time.monotonic() - started
    # then our 504 comes back before the deadline, after one attempt, not two 8 s reads
    assert error_response(caught.value)[0] == 504
    assert elapsed < 3.2
    assert len(_SlowEndpoint.calls) == 1


# --- the Bedrock agent's event stream --------------------------------------------------------------------


class _TricklingStream:
    """An InvokeAgent `completion` stream whose events arrive every `gap` seconds (each read well within any
    read timeout, so only the deadline check stops it). The wire format itself is covered by the agent's tests."""

    def __init__(self, events: int, gap: float) -> None:
        self.events, self.gap, self.closed = events, gap, False

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for _ in range(self.events):
            if self.closed:
                return
            time.sleep(self.gap)
            yield {"chunk": {"bytes": b"word "}}

    def close(self) -> None:
        self.closed = True


class _AgentClient:
    def __init__(self, stream: _TricklingStream) -> None:
        self.stream = stream

    def invoke_agent(self, **_: Any) -> dict[str, Any]:
        return {"completion": self.stream, "sessionId": "s-1"}


def test_the_agent_stream_stops_at_the_deadline_with_a_504():
    from concert_api.adapters.assistants.bedrock_agent import BedrockAgentRuntime
    from concert_api.models import ChatRequest
    from concert_api.services.chat.bedrock_agent import BedrockAgentAssistant

    # given an agent that streams a word every 0.4 s for 4 s, and a request with 2.5 s left (audit: 200 after 6 s)
    stream = _TricklingStream(events=10, gap=0.4)
    assistant = BedrockAgentAssistant(BedrockAgentRuntime(_AgentClient(stream), agent_id="A", agent_alias_id="B"))
    started = time.monotonic()
    with deadline(2.5), pytest.raises(Exception) as caught:
        assistant.reply(ChatRequest(message="hello"))
    # then the stream is closed and the answer is our 504, in time
    assert error_response(caught.value)[0] == 504
    assert stream.closed
    assert time.monotonic() - started < 3.0


def test_the_agent_client_read_timeout_is_cut_to_the_deadline(monkeypatch):
    from concert_api.services.chat.bedrock_agent import BedrockAgentAssistant
    from concert_api.settings import Settings

    monkeypatch.setenv("BEDROCK_AGENT_ID", "AGENT12345")
    monkeypatch.setenv("BEDROCK_AGENT_ALIAS_ID", "ALIAS12345")
    assistant = BedrockAgentAssistant.from_settings(Settings(), function_timeout=30)
    with deadline(4.0):
        config = assistant.agent.client.meta.config
    assert config.connect_timeout + config.read_timeout <= 4.0


def test_the_converse_client_read_timeout_is_cut_to_the_deadline(monkeypatch):
    from concert_api.services.chat.bedrock_converse import ConverseAssistant
    from concert_api.settings import Settings

    monkeypatch.setenv("BEDROCK_MODEL_ID", "us.anthropic.claude-3-5-haiku-20241022-v1:0")
    assistant = ConverseAssistant.from_settings(Settings(), tool_context=lambda: None,  # type: ignore[arg-type,return-value]
                                                function_timeout=30)  # fmt: skip
    with deadline(4.0):
        config = assistant.runtime.client.meta.config
    assert config.connect_timeout + config.read_timeout <= 4.0


def test_the_redshift_data_client_read_timeout_is_cut_to_the_deadline():
    from concert_api.adapters.warehouse.redshift_data import RedshiftDataWarehouse

    warehouse = RedshiftDataWarehouse(database="dev", workgroup_name="wg", region="us-east-1")
    with deadline(0.8):
        config = warehouse.client.meta.config
    assert config.connect_timeout + config.read_timeout <= 0.8
    assert config.retries["total_max_attempts"] == 1


def test_a_probe_client_fits_the_deadline():
    from concert_api.adapters.probes import _client

    client = _client("sagemaker", "us-east-1")
    with deadline(1.0):
        config = client.meta.config
    assert config.connect_timeout + config.read_timeout <= 1.0


# --- the Bedrock agent over the wire ---------------------------------------------------------------------


class _TricklingAgent(BaseHTTPRequestHandler):
    """InvokeAgent answered with real event-stream frames (tests/unit/chat/fake_bedrock_agent), each in its own
    HTTP chunk (`Transfer-Encoding: chunked`, as AWS streams them), `gap` seconds apart after a `stall`."""

    protocol_version = "HTTP/1.1"
    stall = 0.0
    gap = 0.4
    frames = 10

    def do_POST(self) -> None:
        from tests.unit.chat.fake_bedrock_agent import chunk

        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("x-amz-bedrock-agent-session-id", "s-1")
        self.send_header("x-amzn-bedrock-agent-content-type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        try:
            time.sleep(self.stall)
            for _ in range(self.frames):
                frame = chunk(b"word ")
                self.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
                self.wfile.flush()
                time.sleep(self.gap)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client closed the stream at its deadline
            pass

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def agent_endpoint(monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("BEDROCK_AGENT_ID", "AGENT12345")
    monkeypatch.setenv("BEDROCK_AGENT_ALIAS_ID", "ALIAS12345")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TricklingAgent)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _reply_within(endpoint: str, seconds: float) -> tuple[int, float]:
    from concert_api.models import ChatRequest
    from concert_api.services.chat.bedrock_agent import BedrockAgentAssistant
    from concert_api.settings import Settings

    assistant = BedrockAgentAssistant.from_settings(Settings(), function_timeout=30, endpoint_url=endpoint)
    started = time.monotonic()
    with deadline(seconds), pytest.raises(Exception) as caught:
        assistant.reply(ChatRequest(message="hello"))
    return error_response(caught.value)[0], time.monotonic() - started


def test_a_trickling_agent_stream_is_cut_at_the_deadline_over_the_wire(agent_endpoint, monkeypatch):
    # given an agent that streams a word every 0.4 s for 4 s (each read well within any read timeout)
    monkeypatch.setattr(_TricklingAgent, "stall", 0.0)
    # when the request has 2.5 s left, then our 504 comes back in time
    status, elapsed = _reply_within(agent_endpoint, 2.5)
    assert status == 504 and elapsed < 3.0


def test_a_stalled_agent_stream_times_out_by_the_read_timeout_cut_to_the_deadline(agent_endpoint, monkeypatch):
    # given an agent that sends its headers, then nothing for 10 s (the old client waited its 25 s read timeout)
    monkeypatch.setattr(_TricklingAgent, "stall", 10.0)
    # when the request has 2.5 s left, then the read times out at about the deadline: our 504
    status, elapsed = _reply_within(agent_endpoint, 2.5)
    assert status == 504 and elapsed < 3.0

"""A wire-level fake of Bedrock Agent Runtime's InvokeAgent: an HTTP server on 127.0.0.1 that answers with real
AWS event-stream frames (`application/vnd.amazon.eventstream`), so botocore's own parser decodes them.

Each frame is: total length (4 bytes), headers length (4), CRC32 of those 8 bytes (4), headers, payload, CRC32
of everything before it (4). Headers here are strings (type 7): 1-byte name length, name, type, 2-byte value
length, value.

What AWS does that this fake cannot: verify the SigV4 signature and IAM permissions; run the agent's model,
its orchestration and its action groups (the trace events here are scripted, in the documented `TracePart` shape,
from `agent_traces.json`: what a real agent writes in its rationale and prompts varies by model); decide
when to throttle; stream with real timing and chunk boundaries; keep the session's memory on the server.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message."""
    encoded = b"".join(
        struct.pack(">B", len(name)) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
        for name, value in headers.items()
    )
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    message = prelude + struct.pack(">I", binascii.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", binascii.crc32(message))


def event(event_type: str, body: dict[str, Any]) -> bytes:
    """An `event` frame; blobs inside `body` must already be base64 text (as AWS sends them in JSON)."""
    return frame({":event-type": event_type, ":message-type": "event", ":content-type": "application/json"},
                 json.dumps(body).encode())


def chunk(data: bytes) -> bytes:
    """A `chunk` event carrying raw answer bytes."""
    return event("chunk", {"bytes": base64.b64encode(data).decode()})


def exception(exception_type: str, message: str) -> bytes:
    """An `exception` frame, as AWS sends when an error happens mid-stream."""
    return frame({":exception-type": exception_type, ":message-type": "exception",
                  ":content-type": "application/json"}, json.dumps({"message": message}).encode())


def trace(part: dict[str, Any]) -> bytes:
    """A `trace` event carrying one `TracePart` (agent ids and the `trace` member), as recorded in
    `agent_traces.json`."""
    return event("trace", part)


def recorded_trace(name: str) -> tuple[list[dict[str, Any]], str]:
    """A recorded scenario of `agent_traces.json`: its trace parts (AWS's documented `TracePart` shapes) and the
    answer text the agent streamed."""
    scenario = json.loads((Path(__file__).with_name("agent_traces.json")).read_text(encoding="utf-8"))[name]
    return scenario["trace"], scenario["answer"]


def trace_action_group(tool: str, parameters: dict[str, Any], output: dict[str, Any] | None) -> list[bytes]:
    """Orchestration-trace events for one action-group call (function-details form) and its output."""
    frames = [event("trace", {"agentId": "AGENT12345", "agentAliasId": "ALIAS12345", "sessionId": "s",
                              "trace": {"orchestrationTrace": {"invocationInput": {
                                  "invocationType": "ACTION_GROUP",
                                  "actionGroupInvocationInput": {
                                      "actionGroupName": "concert-tools", "function": tool,
                                      "parameters": [{"name": k, "type": "string", "value": str(v)}
                                                     for k, v in parameters.items()]}}}}})]
    if output is not None:
        frames.append(event("trace", {"trace": {"orchestrationTrace": {"observation": {
            "type": "ACTION_GROUP", "actionGroupInvocationOutput": {"text": json.dumps(output)}}}}}))
    return frames


class FakeAgentRuntime:
    """Serves scripted InvokeAgent responses in order; records every request."""

    def __init__(self) -> None:
        self.responses: list[tuple[int, list[bytes]]] = []
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fake.requests.append({"path": self.path, "headers": dict(self.headers),
                                      "body": json.loads(self.rfile.read(length) or b"{}")})
                status, frames = fake.responses.pop(0)
                session = self.path.split("/sessions/")[1].split("/")[0]
                if status != 200:
                    body = json.dumps({"message": "Rate exceeded"}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("x-amzn-ErrorType", "ThrottlingException")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                body = b"".join(frames)
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.amazon.eventstream")
                self.send_header("x-amz-bedrock-agent-session-id", session)
                self.send_header("x-amzn-bedrock-agent-content-type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *responses: Iterable[bytes], status: int = 200) -> None:
        """Queue one response per argument (each a list of frames)."""
        for frames in responses:
            self.responses.append((status, list(frames)))

    def fail_with(self, status: int) -> None:
        """Queue an HTTP error response (before any stream)."""
        self.responses.append((status, []))

    def __enter__(self) -> FakeAgentRuntime:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

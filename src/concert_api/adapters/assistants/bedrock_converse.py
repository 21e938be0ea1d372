"""`bedrock-runtime:Converse`: one model call with the conversation, a system prompt and the tools, retried
inside the request's time budget (the tool-use loop around it is `services.chat.bedrock_converse`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from concert_api.adapters.assistants.bedrock_agent import runtime_client
from concert_api.adapters.assistants.retries import Budget, RetryPolicy, call_with_retries
from concert_api.settings import Settings


class ConverseRuntime:
    """Calls one Bedrock model through the Converse API."""

    def __init__(self, client: Any, *, model_id: str, max_tokens: int = 1024, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.model_id = model_id
        self.max_tokens = max_tokens
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, *, function_timeout: float) -> ConverseRuntime:
        """The configured model (BEDROCK_MODEL_ID), with a read timeout that fits the function's timeout."""
        client, read_timeout = runtime_client("bedrock-runtime", settings, function_timeout=function_timeout)
        return cls(client, model_id=str(settings.bedrock_model_id), retry=RetryPolicy(deadline_seconds=read_timeout))

    def budget(self) -> Budget:
        """The time one chat message may take: the request's deadline or the policy's, whichever ends first."""
        return Budget(self.retry.deadline_seconds, self.clock)

    def converse(self, messages: list[dict[str, Any]], *, system: str, tool_config: dict[str, Any],
                 budget: Budget) -> tuple[dict[str, Any], int]:
        """The model's response to `messages` (deterministic: temperature 0), and the attempts it took."""

        def call() -> dict[str, Any]:
            response: dict[str, Any] = self.client.converse(
                modelId=self.model_id, messages=list(messages), system=[{"text": system}], toolConfig=tool_config,
                inferenceConfig={"maxTokens": self.max_tokens, "temperature": 0.0},
            )
            return response

        return call_with_retries(call, self.retry, what="Bedrock converse call", sleep=self.sleep, budget=budget)

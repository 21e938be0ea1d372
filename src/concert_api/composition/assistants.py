"""Which chat backend serves: the Bedrock Agent when BEDROCK_AGENT_ID and BEDROCK_AGENT_ALIAS_ID are set, the
Converse API when BEDROCK_MODEL_ID is set, else the local assistant. `CONCERT_ASSISTANT` (local, bedrock-agent,
bedrock-converse) forces a choice.

Each backend's modules (boto3 for Bedrock; scikit-learn, numpy and rapidfuzz for the local assistant) are imported
inside its branch, so the Lambda import path stays lean.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from concert_api.composition.local_backends import ASSISTANT_HINT, local_backend
from concert_api.errors import ServiceNotConfigured
from concert_api.routes import route
from concert_api.settings import Settings

if TYPE_CHECKING:
    from concert_api.adapters.sessions.embedded import SessionStore
    from concert_api.adapters.warehouse.base import Warehouse
    from concert_api.services.chat.assistant import Assistant
    from concert_api.services.chat.tools import ToolContext

ToolContextFactory = Callable[[dt.date], "ToolContext"]
"""Builds the tools' context (warehouse, predictor, today) for a conversation turn on a given day."""


def backend_name(settings: Settings) -> str:
    """The backend the settings choose: 'bedrock-agent', 'bedrock-converse' or 'local'."""
    forced = settings.assistant
    if forced:
        return str(forced)
    if settings.bedrock_agent_configured:
        return "bedrock-agent"
    if settings.bedrock_model_id:
        return "bedrock-converse"
    return "local"


def build_assistant(settings: Settings, *, warehouse: Callable[[], Warehouse], tool_context: ToolContextFactory,
                    sessions: Callable[[], SessionStore]) -> Assistant:
    """A new assistant for the configured backend; it receives the adapters it needs as builders, so a backend
    that does not need the warehouse never opens it."""
    backend = backend_name(settings)
    function_timeout = route("chatbot").timeout_s  # Bedrock reads must finish inside the function's timeout
    if backend == "bedrock-agent":
        if not settings.bedrock_agent_configured:
            raise ServiceNotConfigured("Set BEDROCK_AGENT_ID and BEDROCK_AGENT_ALIAS_ID to use the Bedrock agent.")
        from concert_api.services.chat.bedrock_agent import BedrockAgentAssistant

        return BedrockAgentAssistant.from_settings(settings, function_timeout=function_timeout)
    if backend == "bedrock-converse":
        if not settings.bedrock_model_id:
            raise ServiceNotConfigured("Set BEDROCK_MODEL_ID to use the Bedrock Converse assistant.")
        from concert_api.services.chat.bedrock_converse import ConverseAssistant

        return ConverseAssistant.from_settings(settings, tool_context=lambda: tool_context(dt.date.today()),
                                               function_timeout=function_timeout, sessions=sessions())
    if backend != "local":
        raise ServiceNotConfigured(f"Unknown assistant {backend!r}; use local, bedrock-agent or bedrock-converse.")
    with local_backend("chat assistant", ASSISTANT_HINT):
        from concert_api.services.chat.local.builder import build_local_assistant

    return build_local_assistant(warehouse=warehouse(), data_dir=settings.data_dir, sessions=sessions(),
                                 tool_context=tool_context)

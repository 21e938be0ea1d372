"""Which chat backend serves: the Bedrock Agent when BEDROCK_AGENT_ID and BEDROCK_AGENT_ALIAS_ID are set, the
Converse API when BEDROCK_MODEL_ID is set, else the local assistant. `CONCERT_ASSISTANT` (local, bedrock-agent,
bedrock-converse) forces a choice.

Only light modules are imported here; each backend's modules (boto3 for Bedrock; scikit-learn, numpy and
rapidfuzz for the local assistant) are imported inside its builder, so the Lambda import path stays lean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concert_api.errors import ServiceNotConfigured
from concert_api.settings import Settings

if TYPE_CHECKING:
    from concert_api.services.chat.assistant import Assistant

CHAT_FUNCTION_TIMEOUT_SECONDS = 30
"""The chatbot function's timeout (routes.py, template.yaml): Bedrock reads must finish inside it."""

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


def build_assistant(settings: Settings) -> Assistant:
    """A new assistant for the configured backend."""
    backend = backend_name(settings)
    if backend == "bedrock-agent":
        if not settings.bedrock_agent_configured:
            raise ServiceNotConfigured("Set BEDROCK_AGENT_ID and BEDROCK_AGENT_ALIAS_ID to use the Bedrock agent.")
        from concert_api.services.chat.bedrock_agent import BedrockAgentAssistant

        return BedrockAgentAssistant.from_settings(settings, function_timeout=CHAT_FUNCTION_TIMEOUT_SECONDS)
    if backend == "bedrock-converse":
        if not settings.bedrock_model_id:
            raise ServiceNotConfigured("Set BEDROCK_MODEL_ID to use the Bedrock Converse assistant.")
        from concert_api import composition
        from concert_api.services.chat.bedrock_converse import ConverseAssistant

        return ConverseAssistant.from_settings(settings, warehouse=composition.warehouse(),
                                               function_timeout=CHAT_FUNCTION_TIMEOUT_SECONDS)
    if backend != "local":
        raise ServiceNotConfigured(f"Unknown assistant {backend!r}; use local, bedrock-agent or bedrock-converse.")
    from concert_api import composition
    from concert_api.services.chat.local.builder import build_local_assistant

    return build_local_assistant(warehouse=composition.warehouse(), data_dir=settings.data_dir)

"""`POST /chat` — function `concert-api-chatbot`."""

from __future__ import annotations

from concert_api.errors import ServiceNotConfigured
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.models import ChatRequest, ChatResponse


@api_endpoint(name="chatbot", method="POST", path="/chat", event="Chatbot handler invoked")
def chatbot_handler(request: ApiRequest) -> ChatResponse:
    """Answer a chat message (the assistant lands with its own issue)."""
    request.parse(ChatRequest)
    raise ServiceNotConfigured("The chat assistant is not available yet.")

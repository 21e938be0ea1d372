"""`POST /chat` — function `concert-api-chatbot`."""

from __future__ import annotations

from concert_api import composition
from concert_api.handlers.events import ApiRequest
from concert_api.handlers.runtime import api_endpoint
from concert_api.models import ChatRequest, ChatResponse


@api_endpoint(name="chatbot", method="POST", path="/chat", event="Chatbot handler invoked")
def chatbot_handler(request: ApiRequest) -> ChatResponse:
    """Answer a chat message with the configured assistant (Bedrock Agent, Bedrock Converse or local). The body is
    validated before the assistant is built, so a bad request is a quick 400 even on a cold start."""
    body = request.parse(ChatRequest)
    return composition.assistant().reply(body)

"""What every chat backend is: something that turns a `ChatRequest` into a `ChatResponse`."""

from __future__ import annotations

from typing import Protocol

from concert_api.models import ChatRequest, ChatResponse

INTENTS: tuple[str, ...] = (
    "artist_lookup",
    "venue_popularity",
    "venue_lookup",
    "concert_search",
    "ticket_prediction",
    "price_curve",
    "recommendations",
    "sales_query",
    "greeting",
    "help",
    "out_of_scope",
)
"""The intents a chat response reports."""


class Assistant(Protocol):
    """A chat backend: local, Bedrock Agent or Bedrock Converse."""

    name: str

    def reply(self, request: ChatRequest) -> ChatResponse:
        """Answer one message, continuing the request's session (or starting one)."""
        ...

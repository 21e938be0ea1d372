"""The guide's example requests, used by the OpenAPI document, the validation script and the tests."""

from __future__ import annotations

from typing import Any

VALID: dict[str, dict[str, Any]] = {
    "chatbot": {"message": "Tell me about popular artists", "session_id": "abc-123", "user_id": "user_123"},
    "venue-popularity": {"top_n": 10, "min_events": 5},
    "ticket-prediction": {
        "artist_id": "artist_001",
        "venue_id": "venue_001",
        "event_date": "2027-06-19",
        "ticket_price": 75.0,
    },
    "price-curve": {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2027-06-19", "points": 25},
    "recommendations": {
        "user_id": "user_123",
        "artist_preferences": ["rock", "alternative"],
        "location": "New York",
        "top_n": 10,
    },
}

INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "chatbot": ({"message": ""}, "message"),
    "venue-popularity": ({"top_n": 0, "min_events": -1}, "top_n"),
    "ticket-prediction": (
        {"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2025-13-45", "ticket_price": -5},
        "ticket_price",
    ),
    "recommendations": ({"artist_preferences": ["polka"], "top_n": 500}, "artist_preferences"),
    "price-curve": ({"artist_id": "artist_001", "venue_id": "venue_001", "event_date": "2027-06-19", "points": 500},
                    "points"),
}
"""A bad request per endpoint, and a field its 400 must name."""

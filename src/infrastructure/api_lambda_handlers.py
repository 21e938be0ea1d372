"""The guide's import path for local testing: `from src.infrastructure.api_lambda_handlers import chatbot_handler`.

The handlers live in `concert_api.handlers`; see the top-level `api_lambda_handlers` module.
"""

from concert_api.handlers.chatbot import chatbot_handler
from concert_api.handlers.health_check import health_check_handler
from concert_api.handlers.recommendations import recommendations_handler
from concert_api.handlers.ticket_prediction import ticket_prediction_handler
from concert_api.handlers.venue_popularity import venue_popularity_handler

__all__ = [
    "chatbot_handler",
    "health_check_handler",
    "recommendations_handler",
    "ticket_prediction_handler",
    "venue_popularity_handler",
]

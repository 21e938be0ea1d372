"""The Locust scenario behind `concert-api loadtest`: one user type whose tasks are the five endpoints, weighted
as a dashboard and its analysts would use them.

Weights (out of 20): venue rankings 5, recommendations 5, ticket predictions 4, chat 3, health 3. Each request
draws its parameters at random from ids every generated data set has (`artist_001` ...; tiny has the fewest), so
caches see a realistic spread rather than one repeated body. Read from the environment (set by the CLI):
`CONCERT_LOADTEST_API_KEY` (sent as `x-api-key`, for an API Gateway stage that asks for one) and
`CONCERT_LOADTEST_IDS` ("artists,venues,users": how many of each id to draw from).
"""

from __future__ import annotations

import datetime as dt
import os
import random

from locust import HttpUser, between, task

GENRES = ["rock", "pop", "hip-hop", "country", "jazz", "electronic", "indie", "r&b", "latin", "alternative"]
CITIES = ["New York", "Chicago", "Austin, TX", "Los Angeles", "Denver", "Seattle", "Nashville"]
QUESTIONS = [
    "Tell me about popular artists",
    "What are the top 5 venues in Chicago?",
    "Recommend rock concerts in Austin",
    "Which artists sold the most tickets last year?",
    "Concerts in New York next month",
    "hello",
]
_artists, _venues, _users = (int(n) for n in os.environ.get("CONCERT_LOADTEST_IDS", "20,12,30").split(","))


def _id(kind: str, count: int) -> str:
    return f"{kind}_{random.randint(1, count):03d}"


class ConcertApiUser(HttpUser):
    """A promoter's analyst: mostly rankings, recommendations and predictions, some chat, health polled."""

    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        """Send the API key, when one is given, on every request."""
        key = os.environ.get("CONCERT_LOADTEST_API_KEY")
        if key:
            self.client.headers["x-api-key"] = key

    @task(5)
    def venue_popularity(self) -> None:
        """POST /venues/popularity with a random size and threshold."""
        body = {"top_n": random.choice([5, 10, 20]), "min_events": random.choice([1, 5, 10])}
        self.client.post("/venues/popularity", json=body, name="/venues/popularity")

    @task(5)
    def recommendations(self) -> None:
        """POST /recommendations for a known user, some genres and a city."""
        body = {"user_id": _id("user", _users), "artist_preferences": random.sample(GENRES, 2),
                "location": random.choice(CITIES), "top_n": 10}
        self.client.post("/recommendations", json=body, name="/recommendations")

    @task(4)
    def ticket_prediction(self) -> None:
        """POST /tickets/predict for a known pair, a date in the coming months and a price."""
        date = dt.date.today() + dt.timedelta(days=random.randint(14, 300))
        body = {"artist_id": _id("artist", _artists), "venue_id": _id("venue", _venues),
                "event_date": date.isoformat(), "ticket_price": float(random.choice([35, 55, 75, 95, 150]))}
        self.client.post("/tickets/predict", json=body, name="/tickets/predict")

    @task(3)
    def chat(self) -> None:
        """POST /chat with one of a few common questions."""
        self.client.post("/chat", json={"message": random.choice(QUESTIONS)}, name="/chat")

    @task(3)
    def health(self) -> None:
        """GET /health, as a load balancer or a dashboard polls it."""
        self.client.get("/health", name="/health")

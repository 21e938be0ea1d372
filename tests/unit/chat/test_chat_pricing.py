"""Pricing in chat (issue 10, item 5): the `price_curve` tool over the price-curve service, and the local
assistant answering "what price would sell out / earn the most for X at Y on D?" and its follow-ups in plain
words, with the warnings, every number from the tool's result.

The price-curve service itself (grid, one model batch, best price) is specified in the service's own tests; here
it is a function of the same signature over a known demand curve (sales falling with the price, capped by the
venue's capacity), so the expected best and sell-out prices are computed independently of the code under test."""

from __future__ import annotations

import math
import uuid

import pytest
from tests.unit.chat.chat_data import AS_OF

from concert_api.errors import BadRequest
from concert_api.models import (
    ChatRequest,
    PredictionInterval,
    PriceCurveRequest,
    PriceCurveResponse,
    PricePoint,
    TicketPredictionResponse,
)
from concert_api.services.chat.tools import ToolContext, run_tool
from concert_tools.chat_evaluation.grounding import ungrounded_numbers

PRICES = [20.0, 40.0, 60.0, 80.0, 100.0, 150.0, 200.0]
TRAINED = (30.0, 120.0)
OUTSIDE_WARNING = ("3 of the 7 prices lie outside what the model was trained on for this concert (the grid's prices "
                   "from $40 to $100 are inside it); there the predictions follow the price response fitted to the "
                   "history, with wider intervals and lower confidence.")


class KnownCurve:
    """A price-curve service over a known demand: capacity x min(1, exp(-(price - 40) / 100)) tickets (sold out up
    to $40, revenue highest at $100)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.requests: list[PriceCurveRequest] = []

    def sales(self, price: float) -> float:
        return round(self.capacity * min(1.0, math.exp(-(price - 40.0) / 100.0)), 1)

    def __call__(self, request: PriceCurveRequest) -> PriceCurveResponse:
        self.requests.append(request)
        points = [PricePoint(ticket_price=p, predicted_sales=self.sales(p),
                             expected_revenue=round(p * self.sales(p), 2),
                             prediction_interval=PredictionInterval(low=0.8 * self.sales(p),
                                                                    high=min(self.capacity, 1.2 * self.sales(p)),
                                                                    coverage=0.8),
                             confidence=0.7, sell_out_probability=0.9 if p <= 40 else (0.3 if p <= 60 else 0.05),
                             extrapolated=not TRAINED[0] <= p <= TRAINED[1]) for p in PRICES]
        best = max(points, key=lambda p: p.expected_revenue)
        return PriceCurveResponse(artist_id=request.artist_id, venue_id=request.venue_id,
                                  event_date=request.event_date, capacity=self.capacity, usual_price=60.0,
                                  curve=points, best_price=best, model_version="test", warnings=[OUTSIDE_WARNING],
                                  timestamp="2025-06-01T00:00:00Z")


@pytest.fixture
def concert(chat_warehouse):
    venue = chat_warehouse.query("SELECT * FROM venues ORDER BY venue_id LIMIT 1", {})[0]
    artist = chat_warehouse.query("SELECT name FROM artists ORDER BY artist_id LIMIT 1", {})[0]["name"]
    return artist, venue


@pytest.fixture
def curve(concert) -> KnownCurve:
    return KnownCurve(int(concert[1]["capacity"]))


def test_the_price_curve_tool_gives_the_best_price_and_the_highest_price_likely_to_sell_out(chat_warehouse, concert,
                                                                                            curve):
    artist, venue = concert
    context = ToolContext(chat_warehouse, today=AS_OF, price_curve=curve)
    result = run_tool("price_curve", {"artist": artist, "venue": venue["name"], "event_date": "2025-12-31"},
                      context).result
    assert curve.requests[0].venue_id == venue["venue_id"] and str(curve.requests[0].event_date) == "2025-12-31"
    revenues = {p: p * curve.sales(p) for p in PRICES}
    assert result["best_price"]["ticket_price"] == max(revenues, key=lambda p: revenues[p])
    assert result["best_price"]["ticket_price"] == 100.0
    assert result["sell_out_price"]["ticket_price"] == 40.0  # the highest price with an even chance or better
    assert len(result["curve"]) == len(PRICES) and result["available"] is True


def test_without_the_price_curve_service_the_tool_says_it_is_not_available(tool_context, concert):
    artist, venue = concert
    result = run_tool("price_curve", {"artist": artist, "venue": venue["venue_id"], "event_date": "2025-12-31"},
                      tool_context).result
    assert result["available"] is False and "not available" in result["reason"]


def test_a_grid_whose_bounds_cross_is_a_bad_request_naming_the_field(chat_warehouse, concert, curve):
    artist, venue = concert
    context = ToolContext(chat_warehouse, today=AS_OF, price_curve=curve)
    with pytest.raises(BadRequest, match="max_price"):
        run_tool("price_curve", {"artist": artist, "venue": venue["venue_id"], "event_date": "2025-12-31",
                                 "min_price": 90, "max_price": 50}, context)
    assert curve.requests == []


@pytest.fixture
def pricing_assistant(chat_warehouse, chat_data_dir, curve):
    from concert_api.adapters.sessions.embedded import MemorySessionStore
    from concert_api.services.chat.local.builder import build_local_assistant

    def predict(request):
        return TicketPredictionResponse(predicted_sales=1000.0, confidence=0.6, features_used={},
                                        timestamp="2025-06-01T00:00:00Z")

    return build_local_assistant(warehouse=chat_warehouse, data_dir=chat_data_dir, sessions=MemorySessionStore(),
                                 today=lambda: AS_OF,
                                 tool_context=lambda today: ToolContext(chat_warehouse, today=today, predict=predict,
                                                                        price_curve=curve))


def _say(assistant, session: str, message: str):
    r = assistant.reply(ChatRequest(message=message, session_id=session))
    assert ungrounded_numbers(r.message, r.data) == [], r.message
    return r


def test_what_price_earns_the_most_is_answered_in_plain_words_with_the_warnings(pricing_assistant, concert, curve):
    artist, venue = concert
    r = _say(pricing_assistant, uuid.uuid4().hex,
             f"what price would earn the most for {artist} at {venue['name']} on December 31st?")
    assert r.intent == "price_curve" and r.data["tool"] == "price_curve"
    best = r.data["result"]["best_price"]
    assert f"${best['ticket_price']:,.0f} a ticket earns the most" in r.message
    assert f"sell-out chance {100 * best['sell_out_probability']:.1f}%" in r.message
    assert "The highest price likely to sell out is $40" in r.message
    assert "learned from no prices outside $40-$100" in r.message  # the warning, in words, from the curve
    assert "ticket_price" not in r.message and "extrapolat" not in r.message


def test_after_a_prediction_the_sell_out_price_and_then_a_new_price_keep_the_concert(pricing_assistant, concert,
                                                                                     curve):
    artist, venue = concert
    session = uuid.uuid4().hex
    first = _say(pricing_assistant, session,
                 f"how many tickets would {artist} sell at {venue['name']} on December 31st at $80?")
    assert first.intent == "ticket_prediction"
    second = _say(pricing_assistant, session, "and at what price would it sell out?")
    assert second.intent == "price_curve" and second.data["follow_up"] is True
    assert second.data["parameters"] == {"artist": artist, "venue": venue["venue_id"],
                                         "event_date": first.data["parameters"]["event_date"]}
    assert "The highest price likely to sell out is $40" in second.message
    third = _say(pricing_assistant, session, "and at $90?")
    assert third.intent == "ticket_prediction"
    assert third.data["parameters"]["ticket_price"] == 90.0 and third.data["parameters"]["venue"] == venue["venue_id"]


def test_a_question_about_what_tickets_cost_is_not_a_pricing_question(pricing_assistant, concert):
    artist, _ = concert
    r = _say(pricing_assistant, uuid.uuid4().hex, f"at what price are tickets for {artist}?")
    assert r.intent != "price_curve"


def test_a_price_the_model_follows_beyond_its_range_is_said_in_plain_words():
    import datetime as dt

    from concert_api.ml.training_range import TrainingRange, VenueTypeRange
    from concert_api.services.chat.local.replies import _caution
    from concert_api.services.chat.tools import read_warning

    known = TrainingRange(dt.date(2023, 1, 1), dt.date(2025, 5, 31),
                          {"theater": VenueTypeRange(100, (20.0, 150.0), (0.5, 2.0), None)})
    warnings, _ = known.assess({"venue_type": "theater", "ticket_price": 300.0, "event_date": "2025-09-01"},
                               extrapolates=True)
    read = [read_warning(w) for w in warnings]
    assert read[0] == {"kind": "price_outside", "direction": "above", "venue_type": "theaters", "ticket_price": 300.0,
                       "known_low": 20.0, "known_high": 150.0}
    assert _caution(read[0]).startswith("$300 is above the prices the model learned from for theaters ($20-$150)")

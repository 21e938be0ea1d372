"""Pricing through `POST /chat` on the local server with a trained model: the assistant's best price is the one
`POST /tickets/price-curve` returns for the same concert (the composition passes the price-curve service to the
chat tools), and every number of the reply is in its data."""

from __future__ import annotations

import httpx

from concert_tools.chat_evaluation.grounding import ungrounded_numbers


def test_the_chat_answers_the_best_price_the_price_curve_endpoint_returns(live_server_with_data):
    # given a concert of the tiny data set
    base = live_server_with_data
    venue = httpx.post(f"{base}/venues/popularity", json={"top_n": 1, "min_events": 0}).json()["venues"][0]
    artists = httpx.post(f"{base}/chat", json={"message": "Top 5 artists"}).json()["data"]["result"]["artists"]
    artist = artists[0]
    # when the assistant is asked what price earns the most
    reply = httpx.post(f"{base}/chat", json={
        "message": f"what price would earn the most for {artist['name']} at {venue['name']} on 2027-06-19?"}).json()
    # then it answers from the price curve, as the endpoint computes it
    expected = httpx.post(f"{base}/tickets/price-curve", json={
        "artist_id": artist["artist_id"], "venue_id": venue["venue_id"], "event_date": "2027-06-19"}).json()
    assert reply["intent"] == "price_curve", reply["message"]
    result = reply["data"]["result"]
    assert result["available"] is True
    assert result["best_price"]["ticket_price"] == expected["best_price"]["ticket_price"]
    assert result["best_price"]["expected_revenue"] == expected["best_price"]["expected_revenue"]
    assert "earns the most" in reply["message"]
    assert ungrounded_numbers(reply["message"], reply["data"]) == [], reply["message"]
    # and a follow-up about one price predicts that concert at that price
    again = httpx.post(f"{base}/chat", json={"message": "and at $90?", "session_id": reply["session_id"]}).json()
    assert again["intent"] == "ticket_prediction" and again["data"]["parameters"]["ticket_price"] == 90.0
    assert again["data"]["parameters"]["venue"] == venue["venue_id"]

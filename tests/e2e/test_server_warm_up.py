"""`concert-api serve` opens the warehouse when it starts, so the first request does not pay for importing DuckDB
and opening the file (issue 18: the first ranking after a start)."""

from __future__ import annotations

from starlette.testclient import TestClient

from concert_api.server.app import create_app


def test_the_server_opens_the_warehouse_before_its_first_request(tiny_warehouse, monkeypatch):
    from concert_api import composition

    opened: list[str] = []
    real = composition.warehouse

    def counting():
        opened.append("warehouse")
        return real()

    monkeypatch.setattr(composition, "warehouse", counting)
    # Given the app, when the server starts (its lifespan runs), then the warehouse is opened before any request.
    with TestClient(create_app()) as client:
        assert opened == ["warehouse"]
        assert client.post("/venues/popularity", json={"top_n": 1}).status_code == 200


def test_a_server_without_data_still_starts_and_answers_in_the_error_format(tmp_path, monkeypatch):
    from concert_api import composition

    monkeypatch.setenv("CONCERT_DATA_DIR", str(tmp_path / "empty"))
    composition.reset()
    with TestClient(create_app()) as client:
        response = client.post("/venues/popularity", json={})
    assert response.status_code == 503 and set(response.json()) == {"error", "details", "timestamp"}

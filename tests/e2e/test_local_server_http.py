"""The local server over real HTTP: the same handlers, the same responses, plus the OpenAPI document."""

from __future__ import annotations

import httpx

from concert_api import openapi


def test_health_over_http_matches_the_handler(live_server_with_data):
    response = httpx.get(f"{live_server_with_data}/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["status"] == "healthy" and set(body["services"]) == {
        "redshift",
        "bedrock_agent",
        "sagemaker_venue",
        "sagemaker_ticket",
    }


def test_invalid_body_over_http_gets_the_error_format(live_server):
    response = httpx.post(f"{live_server}/venues/popularity", json={"top_n": 500})
    assert response.status_code == 400
    assert response.json()["details"] == "top_n: Input should be less than or equal to 100"


def test_wrong_method_over_http_is_405(live_server):
    response = httpx.get(f"{live_server}/recommendations")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST,OPTIONS"


def test_unknown_path_is_404_in_the_error_format(live_server):
    response = httpx.get(f"{live_server}/nope")
    assert response.status_code == 404
    assert set(response.json()) == {"error", "details", "timestamp"}


def test_openapi_and_docs_page_are_served(live_server):
    spec = httpx.get(f"{live_server}/openapi.json").json()
    assert spec == openapi.build_openapi()
    assert set(spec["paths"]) == {"/chat", "/venues/popularity", "/tickets/predict", "/tickets/price-curve",
                                  "/recommendations", "/health"}  # fmt: skip
    page = httpx.get(f"{live_server}/docs")
    assert page.status_code == 200 and "openapi.json" in page.text


def test_non_utf8_body_reaches_the_handler_base64_encoded(live_server):
    response = httpx.post(f"{live_server}/chat", content=b"\xff\xfe\x00", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["details"]


def test_head_health_answers_like_get_without_a_body(live_server_with_data):
    response = httpx.head(f"{live_server_with_data}/health")
    assert response.status_code == 200 and response.content == b""


def test_wrong_method_on_the_openapi_document_is_a_json_405(live_server):
    response = httpx.post(f"{live_server}/openapi.json")
    assert response.status_code == 405 and set(response.json()) == {"error", "details", "timestamp"}


def test_serve_on_a_busy_port_says_what_to_do(live_server):
    from click.testing import CliRunner

    from concert_tools.cli.main import cli

    port = live_server.rsplit(":", 1)[1]
    result = CliRunner().invoke(cli, ["serve", "--port", port])
    assert result.exit_code != 0
    assert "already in use" in result.output and "--port" in result.output

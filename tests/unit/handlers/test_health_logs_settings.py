"""Health without data, structured logs, metrics and configuration from the environment."""

from __future__ import annotations

import json

import api_lambda_handlers
from tests.conftest import body_of, load_event

from concert_api.observability import logger, set_level
from concert_api.settings import Settings, get_settings


def test_health_reports_the_guide_services_with_nothing_configured(lambda_context, tmp_path, monkeypatch):
    monkeypatch.setenv("CONCERT_DATA_DIR", str(tmp_path / "empty"))
    response = api_lambda_handlers.health_check_handler(load_event("rest_health.json"), lambda_context)
    body = body_of(response)
    assert response["statusCode"] == 503  # no local warehouse file and no model yet: degraded, saying what to run
    assert body["status"] == "degraded"
    assert [m.split(":")[0] for m in body["missing"]] == ["warehouse", "predictor"]
    assert "concert-api data generate" in body["missing"][0] and "concert-api model train" in body["missing"][1]
    assert body["version"] == "1.0.0"
    assert body["services"] == {
        "redshift": "not_configured",
        "bedrock_agent": "not_configured",
        "sagemaker_venue": "not_configured",
        "sagemaker_ticket": "not_configured",
    }
    assert body["backends"]["warehouse"] == "duckdb"
    assert "probes" not in body


def test_health_reports_configured_services_from_the_guide_variables(lambda_context, monkeypatch):
    for name, value in {
        "REDSHIFT_CLUSTER_ID": "concert-warehouse-dev",
        "REDSHIFT_DATABASE": "concert_data",
        "BEDROCK_AGENT_ID": "AGENT",
        "BEDROCK_AGENT_ALIAS_ID": "ALIAS",
        "SAGEMAKER_TICKET_ENDPOINT": "ticket-sales-endpoint",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    body = body_of(api_lambda_handlers.health_check_handler({}, lambda_context))
    assert body["services"] == {
        "redshift": "configured",
        "bedrock_agent": "configured",
        "sagemaker_venue": "not_configured",
        "sagemaker_ticket": "configured",
    }
    assert body["backends"]["warehouse"] == "redshift-data"


def test_deep_health_is_unhealthy_503_when_the_warehouse_is_missing(lambda_context, monkeypatch, tmp_path):
    # Given a data directory with no warehouse in it
    monkeypatch.setenv("CONCERT_DATA_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()
    # When the deep check runs
    response = api_lambda_handlers.health_check_handler(load_event("http_health_deep.json"), lambda_context)
    body = body_of(response)
    # Then the warehouse probe fails and the API says so with a 503
    assert response["statusCode"] == 503
    assert body["status"] == "unhealthy"
    assert body["probes"]["warehouse"]["status"] == "error"
    assert body["probes"]["warehouse"]["latency_ms"] >= 0


def test_settings_read_dotenv_file_with_guide_names(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text(
        "AWS_REGION=eu-west-1\nREDSHIFT_WORKGROUP_NAME=concert-wg\nREDSHIFT_DATABASE=concert_data\n"
        "SAGEMAKER_VENUE_ENDPOINT=venue-popularity-endpoint\nLOG_LEVEL=DEBUG\n"
    )
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    settings = Settings(_env_file=str(env))  # type: ignore[call-arg]
    assert settings.aws_region == "eu-west-1"
    assert settings.redshift_configured and settings.warehouse_backend == "redshift-data"
    assert settings.sagemaker_venue_endpoint == "venue-popularity-endpoint"
    assert settings.log_level == "DEBUG"


def test_embedded_defaults_serve_with_nothing_set():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.warehouse_backend == "duckdb"
    assert not settings.redshift_configured and not settings.bedrock_agent_configured


def _log_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"event"' in line]


def test_logs_are_json_lines_with_the_guide_keys(lambda_context, capsys):
    api_lambda_handlers.health_check_handler({}, lambda_context)
    lines = _log_lines(capsys.readouterr().out)
    invoked = next(line for line in lines if line["event"] == "Health check handler invoked")
    assert invoked["request_id"] == lambda_context.aws_request_id
    assert invoked["level"] == "info"
    assert invoked["timestamp"].startswith("20") and "T" in invoked["timestamp"]
    assert "cold_start" in invoked and invoked["function_name"] == lambda_context.function_name


def test_debug_logs_summarise_without_bodies_or_headers(lambda_context, capsys):
    logger.setLevel("DEBUG")
    try:
        event = load_event("rest_chat.json")
        event["headers"]["Authorization"] = "Bearer very-secret-token"
        event["body"] = json.dumps({"message": "my password is hunter2"})
        api_lambda_handlers.chatbot_handler(event, lambda_context)
    finally:
        logger.setLevel("INFO")
    out = capsys.readouterr().out
    summaries = [line for line in _log_lines(out) if line["event"] in {"Request", "Response"}]
    assert {line["event"] for line in summaries} == {"Request", "Response"}
    assert "hunter2" not in out and "very-secret-token" not in out


def test_metrics_are_embedded_metric_format(lambda_context, capsys, monkeypatch):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED")
    api_lambda_handlers.health_check_handler({}, lambda_context)
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert documents, "no EMF document printed"
    emf = documents[-1]
    names = {m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"Requests", "Latency"} <= names
    assert emf["function"] == "health-check" and emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ConcertAPI"


def test_package_modules_log_json_lines_with_the_request_id(lambda_context, capsys):
    import logging

    api_lambda_handlers.health_check_handler({}, lambda_context)  # sets the request id
    logging.getLogger("concert_api.adapters.warehouse.duckdb").warning(
        "warehouse call failed", extra={"statement_id": "s1"}
    )
    line = _log_lines(capsys.readouterr().out)[-1]
    assert line["event"] == "warehouse call failed" and line["statement_id"] == "s1"
    assert line["request_id"] == lambda_context.aws_request_id


def test_log_level_comes_from_the_settings_and_a_typo_falls_back_to_info(monkeypatch, tmp_path):
    import concert_api.handlers.runtime as runtime
    from concert_api.observability import valid_level

    assert valid_level("verbose") == "INFO" and valid_level("debug") == "DEBUG"
    env = tmp_path / ".env"
    env.write_text("LOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("CONCERT_ENV_FILE", str(env))
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr(runtime, "_cold_start", True)
    try:
        api_lambda_handlers.health_check_handler({}, None)
        assert logger.log_level == 10  # DEBUG, read from .env on the cold start
    finally:
        set_level("INFO")


def test_deep_probes_run_concurrently_and_a_hung_one_times_out():
    import threading
    import time

    from concert_api.services.health_check import run_probes

    release = threading.Event()
    started = time.perf_counter()
    results = run_probes(
        {"fast": lambda: None, "hung": lambda: release.wait(5), "broken": lambda: 1 / 0}, budget_seconds=0.3
    )
    release.set()
    assert time.perf_counter() - started < 2
    assert results["fast"].status == "ok"
    assert results["hung"].status == "error" and results["hung"].details == "timed out"
    assert results["broken"].status == "error" and results["broken"].details == "ZeroDivisionError"


def test_the_environment_wins_over_the_env_file_and_names_are_case_insensitive(tmp_path, monkeypatch):
    # Given a .env naming one region and a database, and the environment naming another region in lower case,
    env = tmp_path / ".env"
    env.write_text("AWS_REGION=eu-west-1\nredshift_database=from_file\n")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("aws_default_region", "ap-south-1")
    # when the settings are read, then the environment's value wins and the file fills the rest.
    settings = Settings(_env_file=str(env))  # type: ignore[call-arg]
    assert settings.aws_region == "ap-south-1"
    assert settings.redshift_database == "from_file"
    # and a value given by name wins over both.
    assert Settings(_env_file=str(env), AWS_REGION="us-west-2").aws_region == "us-west-2"  # type: ignore[call-arg]

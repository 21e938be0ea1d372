"""The committed OpenAPI document is the one the models generate."""

from __future__ import annotations

from pathlib import Path

from concert_api import openapi

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_document_is_current():
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi.render(), "run `concert-api openapi --write` and commit docs/openapi.json"


def test_every_route_documents_its_request_example_and_error_format():
    spec = openapi.build_openapi()
    for path, item in spec["paths"].items():
        for operation in item.values():
            assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "ErrorResponse"
            ), path
            if "requestBody" in operation:
                assert operation["requestBody"]["content"]["application/json"]["example"], path

"""Fixtures for the deployment tests: a moto server on loopback, recording boto3 clients, small packages."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from concert_tools.deploy.package import build_package

REGION = "us-east-1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "network: needs the package index (pip download); runs in CI, skipped locally only when unreachable",
    )


@pytest.fixture(scope="session", autouse=True)
def _fake_aws_credentials() -> Iterator[None]:
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_PROFILE")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server in a thread on 127.0.0.1 (a free port); yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture()
def moto_endpoint(moto_server: str) -> str:
    """The moto endpoint, reset to an empty account for each test."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    return moto_server


class Recorder:
    """A boto3 client factory that records every operation called, as (service, operation)."""

    def __init__(self, endpoint: str | None) -> None:
        self.endpoint = endpoint
        self.calls: list[tuple[str, str]] = []

    def __call__(self, service: str) -> Any:
        client = boto3.client(
            service, region_name=REGION, endpoint_url=self.endpoint, config=Config(retries={"max_attempts": 2})
        )

        def record(model: Any, **_: Any) -> None:
            self.calls.append((service, model.name))

        client.meta.events.register("before-call.*.*", record)
        return client

    def writes(self) -> list[tuple[str, str]]:
        """Calls whose operation is not a read (Get/List/Describe/Head)."""
        from concert_tools.deploy.deployer import READ_ONLY_PREFIXES

        return [(s, op) for s, op in self.calls if not op.startswith(READ_ONLY_PREFIXES)]

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture()
def recorder(moto_endpoint: str) -> Recorder:
    return Recorder(moto_endpoint)


@pytest.fixture(scope="session")
def small_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package without third-party dependencies or bytecode: enough for the deployer tests, built fast."""
    out = tmp_path_factory.mktemp("pkg") / "small.zip"
    build_package(out, skip_deps=True, bytecode=False, log=lambda _m: None)
    return out


@pytest.fixture()
def env_file(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "deploy.env"
        path.write_text(text)
        return path

    return write

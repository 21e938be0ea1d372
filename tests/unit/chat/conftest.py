"""Chat fixtures: the tiny warehouse (built once per session), the local assistant over it, a tool context."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.chat.chat_data import AS_OF, build_tiny_warehouse


@pytest.fixture(scope="session")
def chat_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the tiny warehouse and the cached intent model."""
    directory = tmp_path_factory.mktemp("chat-data")
    build_tiny_warehouse(directory).close()
    return directory


@pytest.fixture(scope="session")
def chat_warehouse(chat_data_dir: Path):
    from concert_api.adapters.warehouse.duckdb import DuckDBWarehouse

    warehouse = DuckDBWarehouse(chat_data_dir / "warehouse.duckdb", read_only=True)
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="session")
def shared_assistant(chat_warehouse, chat_data_dir: Path):
    """One local assistant for the session (classifier trained once); tests use fresh session ids."""
    from concert_api.adapters.sessions.embedded import MemorySessionStore
    from concert_api.services.chat.local.builder import build_local_assistant

    return build_local_assistant(warehouse=chat_warehouse, data_dir=chat_data_dir, sessions=MemorySessionStore(),
                                 today=lambda: AS_OF)


@pytest.fixture
def tool_context(chat_warehouse):
    from concert_api.services.chat.tools import ToolContext

    return ToolContext(chat_warehouse, today=AS_OF)

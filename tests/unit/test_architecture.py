"""The architecture's arrows run one way, as docs/architecture.md draws them.

The layer contracts live in pyproject.toml (`[tool.importlinter]`): entry points -> composition -> services ->
adapters -> ml -> core, and the runtime (`concert_api`) never imports the tooling (`concert_tools`). Imports inside
functions count too: a lazy import that runs back up is still an arrow the wrong way.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_layer_contracts_are_kept():
    # Given the contracts in pyproject.toml, when import-linter checks the packages, then none is broken.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_sits_in_an_import_circle():
    # Given every module of the runtime and the tooling, when their imports (lazy ones included) are followed,
    # then no chain of imports comes back to where it started.
    graph = grimp.build_graph("concert_api", "concert_tools")
    assert _cycles(graph, set(graph.modules)) == []


def test_the_circle_detector_finds_a_circle():
    # The check above could pass vacuously; given a graph with a circle, it must report it.
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    assert _cycles(graph, {"a", "b", "c"}) == [["a", "b", "c"]]


def test_each_endpoint_has_one_name_across_layers():
    # Given the route table, then each endpoint's Lambda function, handler module and service share its key.
    import importlib

    from concert_api.routes import ROUTES

    for route in ROUTES:
        snake = route.key.replace("-", "_")
        assert route.function_name == f"concert-api-{route.key}"
        assert route.handler == f"{snake}_handler"
        assert route.module == f"concert_api.handlers.{snake}"
        assert importlib.util.find_spec(f"concert_api.services.{snake}") or route.key == "chatbot", route.key

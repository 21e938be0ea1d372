"""Which sources go into the Lambda zip: `api_lambda_handlers.py` and the whole runtime package `concert_api`.

No import scanning: the runtime (`concert_api`) and the offline tooling (`concert_tools`) live in separate
packages, and the runtime keeps its local-only libraries (DuckDB, numpy, ...) behind lazy imports, which
tests/unit/packaging/test_lambda_import_path.py checks against `lambda_dependencies.lambda_importable()`. So the
zip carries every file of `concert_api` except caches, compiled files and the typing marker; `concert_tools` is
never shipped.
"""

from __future__ import annotations

from pathlib import Path

from concert_tools.deploy.errors import PackageError
from concert_tools.deploy.lambda_dependencies import HANDLER_MODULE, RUNTIME_PACKAGE

# Files never shipped, from the project or from a dependency.
SKIP_DIRS = frozenset({"__pycache__", "tests", "test", ".mypy_cache", ".pytest_cache"})
SKIP_SUFFIXES = (".pyc", ".pyo", ".pyi", ".c", ".h", ".pxd", ".pyx")
SKIP_NAMES = frozenset({"py.typed"})


def is_shipped(rel: Path) -> bool:
    """Whether a file (relative to its root) belongs in the zip: not a cache, compiled file or typing marker."""
    if any(part in SKIP_DIRS for part in rel.parts) or rel.name in SKIP_NAMES:
        return False
    return rel.suffix not in SKIP_SUFFIXES


def select_sources(src_root: Path) -> list[Path]:
    """The runtime package's files to ship, relative to `src_root` (the folder holding `concert_api/`), sorted."""
    pkg = src_root / RUNTIME_PACKAGE
    if not (pkg / "__init__.py").is_file():
        raise PackageError(f"{pkg} is not the {RUNTIME_PACKAGE} package; run from the repository")
    return sorted(
        rel for rel in (path.relative_to(src_root) for path in pkg.rglob("*") if path.is_file()) if is_shipped(rel)
    )


def handler_module(repo_root: Path) -> Path:
    """The guide's handler module at the repository root, which goes to the zip's root."""
    path = repo_root / f"{HANDLER_MODULE}.py"
    if not path.is_file():
        raise PackageError(f"{path} is missing; it is the module the functions' handler strings name")
    return path

"""The deployment package: lean, reproducible, bytecode Lambda will use, and complete (every handler imports from
the unpacked zip in a fresh interpreter that sees only the zip and the Lambda runtime's own packages)."""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from concert_tools.deploy.package import (
    HANDLER_NAMES,
    PackageError,
    build_package,
    find_python,
    import_handler,
    runtime_provided_dir,
    select_sources,
)
from concert_tools.deploy.spec import AGENT_ACTION_GROUP_HANDLER

PYVER = f"{sys.version_info.major}.{sys.version_info.minor}"
TAG = f"cpython-{sys.version_info.major}{sys.version_info.minor}"
FIVE_MB = 5 * 1024 * 1024
# The five handlers and the optional Bedrock Agent action group's, all in the one zip.
ALL_HANDLERS = (*HANDLER_NAMES, AGENT_ACTION_GROUP_HANDLER)


@pytest.fixture(scope="module")
def site_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full package for this interpreter's Python, dependencies copied from its site-packages (no network)."""
    out = tmp_path_factory.mktemp("site") / "pkg.zip"
    build_package(out, python_version=PYVER, deps_from_site_packages=True, log=lambda _m: None)
    return out


def test_same_input_gives_the_same_bytes(site_zip: Path, tmp_path: Path) -> None:
    again = build_package(
        tmp_path / "again.zip", python_version=PYVER, deps_from_site_packages=True, log=lambda _m: None
    )
    assert again.path.read_bytes() == site_zip.read_bytes()


def test_zip_entries_are_sorted_dated_1980_and_0644(site_zip: Path) -> None:
    with zipfile.ZipFile(site_zip) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_layout_is_lean(site_zip: Path) -> None:
    with zipfile.ZipFile(site_zip) as zf:
        names = zf.namelist()
    tops = {n.split("/")[0] for n in names}
    assert "api_lambda_handlers.py" in names
    assert {"concert_api", "pydantic", "pydantic_core", "aws_lambda_powertools", "dotenv"} <= tops
    for provided in ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six.py"):
        assert provided not in tops, provided
    for local_only in ("server", "cli", "data", "deploy"):
        assert not any(n.startswith(f"concert_api/{local_only}/") for n in names), local_only
    assert not any(n.endswith("/RECORD") or "/tests/" in n for n in names)


def test_every_module_has_unchecked_hash_bytecode(site_zip: Path) -> None:
    with zipfile.ZipFile(site_zip) as zf:
        names = set(zf.namelist())
        sources = [n for n in names if n.endswith(".py")]
        assert sources
        for src in sources:
            folder, _, mod = src.rpartition("/")
            pyc = f"{folder + '/' if folder else ''}__pycache__/{mod[:-3]}.{TAG}.pyc"
            assert pyc in names, src
        for pyc in (n for n in names if n.endswith(".pyc")):
            flags = struct.unpack("<I", zf.read(pyc)[4:8])[0]
            assert flags == 0b01, pyc  # hash-based, source not checked: no recompiling on a read-only /var/task


def test_every_handler_imports_from_the_unpacked_zip(site_zip: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(site_zip) as zf:
        zf.extractall(unpacked)
    runtime = runtime_provided_dir(tmp_path / "runtime")
    for handler in ALL_HANDLERS:
        result = import_handler(unpacked, handler, python=sys.executable, runtime_dir=runtime)
        assert result["heavy"] == [], handler
        assert str(result["origin"]).startswith(str(unpacked)), result


def test_a_missing_dependency_is_caught(site_zip: Path, tmp_path: Path) -> None:
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(site_zip) as zf:
        zf.extractall(unpacked, [n for n in zf.namelist() if not n.startswith("pydantic_core/")])
    with pytest.raises(PackageError, match="pydantic_core"):
        import_handler(
            unpacked,
            "health_check_handler",
            python=sys.executable,
            runtime_dir=runtime_provided_dir(tmp_path / "runtime"),
        )


def test_local_only_modules_are_excluded_transitively(tmp_path: Path) -> None:
    pkg = tmp_path / "concert_api"
    for rel, text in {
        "__init__.py": "",
        "settings.py": "import os\n",
        "warehouse/__init__.py": "",
        "warehouse/duck.py": "import duckdb\n",
        "warehouse/uses_duck.py": "from concert_api.warehouse.duck import X\n",
        "warehouse/lazy.py": "def make():\n    import duckdb\n    return duckdb\n",
        "warehouse/typing_only.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy\n",
        "warehouse/queries.sql": "select 1",
        "server/app.py": "import starlette\n",
        "py.typed": "",
    }.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(text)
    files, excluded = select_sources(tmp_path)
    kept = {p.as_posix() for p in files}
    assert kept == {
        "concert_api/__init__.py",
        "concert_api/settings.py",
        "concert_api/warehouse/__init__.py",
        "concert_api/warehouse/lazy.py",
        "concert_api/warehouse/typing_only.py",
        "concert_api/warehouse/queries.sql",
    }
    assert excluded["concert_api.warehouse.duck"] == "imports duckdb at module level"
    assert "concert_api.warehouse.duck" in excluded["concert_api.warehouse.uses_duck"]
    assert "concert_api.server" in excluded


@pytest.mark.network
@pytest.mark.slow
def test_lambda_platform_build_is_small_and_imports_on_python312(tmp_path: Path) -> None:
    """The real build: wheels for manylinux/python3.12 from the package index, bytecode by python3.12.

    Needs the package index; outside CI an unreachable index skips it, in CI (CI=true) it fails instead.
    """
    in_ci = bool(os.environ.get("CI"))
    try:
        python312 = find_python("3.12")
        result = build_package(tmp_path / "lambda.zip", python_version="3.12", log=lambda _m: None)
    except PackageError as exc:
        if in_ci:
            raise
        pytest.skip(f"no package index or python3.12 here: {str(exc).splitlines()[0]}")
    assert result.size <= FIVE_MB, f"{result.size:,} bytes"
    unpacked = tmp_path / "task"
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(unpacked)
        assert any(
            n.startswith("pydantic_core/")
            and "manylinux" not in n
            and n.endswith(".so")
            and "cpython-312-x86_64-linux-gnu" in n
            for n in zf.namelist()
        )
    runtime = runtime_provided_dir(tmp_path / "runtime")
    for handler in ALL_HANDLERS:
        assert import_handler(unpacked, handler, python=python312, runtime_dir=runtime)["heavy"] == []
